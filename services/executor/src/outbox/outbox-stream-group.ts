import type { Redis } from 'ioredis';
import type { OutboxEntry } from '../station/station-state.js';
import { outboxPendingKey, outboxStreamKey } from './outbox-stream-entry.js';

/** The consumer group every executor of a cluster reads the outbox stream with: each entry goes to one of them. */
export const OUTBOX_GROUP = 'outbox-dispatchers';

/** A stream entry as read: its id and field/value pairs (null for an entry deleted since it was read). */
export type RawStreamEntry = [id: string, fields: string[] | null];

/**
 * Lua: deletes stream entry `id` and, when this deleted it (a copy delivered twice is counted once), lowers its
 * station's count of undelivered entries in the pending hash (outboxPendingKey), never below 0.
 */
const FORGET = `
local function forget(stream, pending, id)
  local found = redis.call('XRANGE', stream, id, id)[1]
  if redis.call('XDEL', stream, id) == 0 or not found then return end
  local fields = found[2]
  for i = 1, #fields - 1, 2 do
    if fields[i] == 'station' then
      if tonumber(redis.call('HGET', pending, fields[i + 1]) or '0') <= 1 then
        redis.call('HDEL', pending, fields[i + 1])
      else
        redis.call('HINCRBY', pending, fields[i + 1], -1)
      end
      return
    end
  end
end`;

/**
 * Marks an entry delivered (when it is the one its chain waits for), acknowledges it and deletes it from the stream
 * (and from its station's count), in one step: a crash never leaves a delivered entry unmarked but acknowledged (its
 * successor would wait forever). Returns the mark. KEYS: stream, marks, pending hash. ARGV: group, id, mark field,
 * seq.
 */
const SETTLE = `${FORGET}
local seq = tonumber(ARGV[4])
if tonumber(redis.call('HGET', KEYS[2], ARGV[3]) or '0') == seq then
  redis.call('HSET', KEYS[2], ARGV[3], string.format('%d', seq + 1))
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
forget(KEYS[1], KEYS[3], ARGV[2])
return tonumber(redis.call('HGET', KEYS[2], ARGV[3]))`;

/** Acknowledges and deletes an entry (and its count) that can never be delivered. KEYS: stream, pending. ARGV: group, id. */
const DISCARD = `${FORGET}
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
forget(KEYS[1], KEYS[2], ARGV[2])
return 1`;

/**
 * Resets the idle time of the entries this consumer still owns (so nobody claims them from a live executor) and
 * returns those it does not own any more (claimed by another, or acknowledged). KEYS: stream. ARGV: group, consumer,
 * ids.
 */
const RENEW = `
local lost = {}
for i = 3, #ARGV do
  if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2]) == 0 then
    lost[#lost + 1] = ARGV[i]
  else
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  end
end
return lost`;

/**
 * Deletes the other consumers that hold nothing and were idle at least ARGV[2] ms (dead executors whose entries were
 * claimed); checked in the script, so an entry is never orphaned, and a live one is made again by its next read.
 * KEYS: stream. ARGV: group, idle ms, this consumer.
 */
const SWEEP = `
local removed = 0
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  if info.pending == 0 and info.idle >= tonumber(ARGV[2]) and info.name ~= ARGV[3] then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info.name)
    removed = removed + 1
  end
end
return removed`;

/** Leaves the group when nothing is pending for this consumer (deleting it otherwise would orphan its entries). */
const LEAVE = `
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) == 0 then
  return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
end
return -1`;

interface Scripts {
  outboxSettle(
    stream: string,
    marks: string,
    pending: string,
    group: string,
    id: string,
    field: string,
    seq: number,
  ): Promise<number>;
  outboxDiscard(stream: string, pending: string, group: string, id: string): Promise<number>;
  outboxRenew(stream: string, group: string, consumer: string, ...ids: string[]): Promise<string[]>;
  outboxLeave(stream: string, group: string, consumer: string): Promise<number>;
  outboxSweep(stream: string, group: string, idleMs: number, consumer: string): Promise<number>;
}

/**
 * The hash of delivery marks: per station and chain (the station's `epoch`: a re-created station starts a new chain
 * at seq 0), the seq of the next entry to deliver.
 */
export function deliveryMarksKey(prefix: string): string {
  return `${prefix}outbox:delivered`;
}

/**
 * The mark field of an entry: its station and chain. The chain is the idempotency key without its `-seq` suffix
 * (keys are `${epoch}-${seq}`, station-service.ts); an entry whose key is not made so cannot be ordered and throws.
 */
export function markField(station: string, entry: OutboxEntry): string {
  const suffix = `-${entry.seq}`;
  if (!entry.key.endsWith(suffix)) throw new Error(`outbox entry key ${entry.key} does not end with its seq`);
  return JSON.stringify([station, entry.key.slice(0, -suffix.length)]);
}

/** The Redis commands of one consumer of the outbox stream's group. */
export class OutboxStreamGroup {
  readonly stream: string;
  private readonly marks: string;
  private readonly pending: string;
  private readonly scripts: Scripts;

  constructor(
    private readonly client: Redis,
    prefix: string,
    readonly consumer: string,
  ) {
    this.stream = outboxStreamKey(prefix);
    this.marks = deliveryMarksKey(prefix);
    this.pending = outboxPendingKey(prefix);
    client.defineCommand('outboxSettle', { numberOfKeys: 3, lua: SETTLE });
    client.defineCommand('outboxDiscard', { numberOfKeys: 2, lua: DISCARD });
    client.defineCommand('outboxRenew', { numberOfKeys: 1, lua: RENEW });
    client.defineCommand('outboxLeave', { numberOfKeys: 1, lua: LEAVE });
    client.defineCommand('outboxSweep', { numberOfKeys: 1, lua: SWEEP });
    this.scripts = client as unknown as Scripts;
  }

  /**
   * Creates the group (and the stream) unless it exists. It starts at the stream's beginning: entries appended
   * before any executor read them are delivered too (delivered ones are deleted, so nothing is sent twice).
   */
  async ensure(): Promise<void> {
    try {
      await this.client.xgroup('CREATE', this.stream, OUTBOX_GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).startsWith('BUSYGROUP')) throw err;
    }
  }

  /** New entries for this consumer, waiting up to `blockMs` for some; on `reader`, a connection of its own. */
  async read(reader: Redis, count: number, blockMs: number): Promise<RawStreamEntry[]> {
    const reply = (await reader.xreadgroup(
      'GROUP',
      OUTBOX_GROUP,
      this.consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      this.stream,
      '>',
    )) as [string, RawStreamEntry[]][] | null;
    return reply?.[0]?.[1] ?? [];
  }

  /** Takes over entries idle for `idleMs` or more (their consumer is dead or cut off), one page from `cursor`. */
  async claim(idleMs: number, cursor: string, count: number): Promise<[next: string, RawStreamEntry[]]> {
    const [next, entries] = (await this.client.xautoclaim(
      this.stream,
      OUTBOX_GROUP,
      this.consumer,
      idleMs,
      cursor,
      'COUNT',
      count,
    )) as [string, RawStreamEntry[], string[]];
    return [next, entries];
  }

  /** The seq each mark field waits for (0 for a chain never delivered). */
  async nextSeqs(fields: readonly string[]): Promise<number[]> {
    const values = await this.client.hmget(this.marks, ...fields);
    return values.map((v) => (v === null ? 0 : Number(v)));
  }

  /** See SETTLE: the seq the entry's chain waits for now. */
  async settle(id: string, field: string, seq: number): Promise<number> {
    return this.scripts.outboxSettle(this.stream, this.marks, this.pending, OUTBOX_GROUP, id, field, seq);
  }

  /** See DISCARD: for an entry that can never be delivered (malformed). */
  async discard(id: string): Promise<unknown> {
    return this.scripts.outboxDiscard(this.stream, this.pending, OUTBOX_GROUP, id);
  }

  /** The stream's length: every executor's undelivered entries (delivered ones are deleted). */
  async length(): Promise<number> {
    return this.client.xlen(this.stream);
  }

  /** See RENEW: the ids no longer this consumer's. */
  async renew(ids: readonly string[]): Promise<string[]> {
    return ids.length === 0 ? [] : this.scripts.outboxRenew(this.stream, OUTBOX_GROUP, this.consumer, ...ids);
  }

  /** See SWEEP: how many were deleted. */
  async sweep(idleMs: number): Promise<number> {
    return this.scripts.outboxSweep(this.stream, OUTBOX_GROUP, idleMs, this.consumer);
  }

  /** See LEAVE. */
  async leave(): Promise<void> {
    await this.scripts.outboxLeave(this.stream, OUTBOX_GROUP, this.consumer);
  }
}
