import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { DeliveryCounts } from '../station/station-stats.js';
import { OutboxDelivery, type OutboxDeliveryOptions } from './outbox-delivery.js';
import { fromStreamFields, type StreamedOutboxEntry } from './outbox-stream-entry.js';
import { markField, OutboxStreamGroup, type RawStreamEntry } from './outbox-stream-group.js';
import { StationDrains } from './station-drains.js';

export interface StreamOutboxOptions extends Omit<OutboxDeliveryOptions, 'connections'> {
  /** An ioredis client (left open by close) or a Redis URL (a client of the dispatcher's own, closed by close). */
  redis: Redis | string;
  /** The cluster's key prefix: the stream is `outboxStreamKey(prefix)`. */
  keyPrefix: string;
  /** Stations delivered in parallel. */
  concurrency: number;
  /** An entry pending this long on one consumer (a dead executor) is claimed by another (OUTBOX_CLAIM_IDLE_MS). */
  claimIdleMs: number;
  /** This executor's consumer name, unique per process; default host:pid:random. */
  consumer?: string;
}

/** Entries held in memory before reading stops until some are delivered. */
const MAX_HELD = 1000;
/** Entries per read or claim page. */
const PAGE = 100;
/** A read waits this long for new entries before it is sent again. */
const BLOCK_MS = 2000;
/** How often stations waiting for another executor's delivery look at the marks again. */
const WAIT_POLL_MS = 50;
/** Redis calls that fail are retried after 100 ms, doubling up to this. */
const REDIS_RETRY_MAX_MS = 2000;

interface Held extends StreamedOutboxEntry {
  id: string;
  /** Its delivery mark (outbox-stream-group.ts markField). */
  field: string;
}

/**
 * Creates the consumer group if needed (an unreachable Redis rejects here) and starts delivering. In Redis mode:
 * `startStreamOutboxDispatcher({ redis: REDIS_URL or the store's client, keyPrefix, endpoint: DATA_SERVER_ENDPOINT,
 * timeoutMs: OUTBOX_TIMEOUT_MS, retryBaseMs: OUTBOX_RETRY_BASE_MS, retryMaxMs: OUTBOX_RETRY_MAX_MS, concurrency:
 * OUTBOX_CONCURRENCY, claimIdleMs: OUTBOX_CLAIM_IDLE_MS, logger })`, and `close()` at shutdown.
 */
export async function startStreamOutboxDispatcher(
  options: StreamOutboxOptions,
): Promise<StreamOutboxDispatcher> {
  const dispatcher = new StreamOutboxDispatcher(options);
  try {
    await dispatcher.group.ensure();
  } catch (err) {
    await dispatcher.close();
    throw err;
  }
  dispatcher.start();
  return dispatcher;
}

/**
 * Delivers the outbox entries that every executor of a cluster appends to one Redis stream (outbox-stream-entry.ts),
 * read with one consumer group shared by all executors, so each entry is delivered by one of them, as
 * `OutboxDelivery` sends it.
 *
 * Order per station. Consecutive entries of a station may be handed to different executors, so order is kept in
 * Redis, not in one process: a hash holds, per station and chain (the station's epoch, the prefix of every
 * idempotency key; a re-created station starts a new chain at seq 0), the seq of the next entry to deliver. An
 * executor sends an entry only when its seq is that mark; a later one waits (polling the marks) while another
 * executor delivers its predecessors; an earlier one was delivered already (a copy read again after a claim) and is
 * only acknowledged. After a delivery, one Lua script advances the mark (only from this seq to the next, so a
 * duplicate delivery cannot skip one), acknowledges the entry and deletes it from the stream (nothing delivered
 * stays, nothing undelivered is trimmed). Why this keeps order: a station's entries are appended in seq order in
 * its commits, the mark only moves past seq n after n was delivered (answered 2xx, or dropped by the 4xx rule),
 * and n + 1 is sent only once the mark reads n + 1. Two executors may send the same entry (one claimed it from the
 * other, alive but slow): both under its idempotency key, and the first answer for n still precedes every send of
 * n + 1. Within this process a station's entries go one at a time in stream order. Entries of an old chain and a
 * new one (a station re-created with entries still pending) are not ordered against each other across executors.
 *
 * Dead executors. Every entry held is renewed (its idle time reset) every third of `claimIdleMs`, so only a dead
 * or cut-off executor's entries grow idle; every half of `claimIdleMs` each executor claims (XAUTOCLAIM) entries
 * idle longer than `claimIdleMs`, then deletes the consumers left with nothing pending. An entry that turns out to be
 * claimed by another is dropped here (its new owner delivers it).
 *
 * Closing stops reading and claiming, aborts backoff waits, lets attempts in flight finish (and records their
 * delivery), and leaves undelivered entries pending for another executor to claim.
 */
export class StreamOutboxDispatcher {
  readonly group: OutboxStreamGroup;
  private readonly client: Redis;
  /** Blocking reads hold a connection: they get their own, so they never delay a mark or an acknowledgement. */
  private readonly reader: Redis;
  private readonly delivery: OutboxDelivery;
  private readonly stopping = new AbortController();
  /** Entries this consumer holds, by stream id. */
  private readonly held = new Map<string, Held>();
  /** Held entries per station, in stream order. */
  private readonly queues = new Map<string, Held[]>();
  private readonly drains: StationDrains;
  /** Stations whose head waits for another executor's delivery of its predecessor. */
  private readonly parked = new Set<string>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private closed: Promise<void> | undefined;

  constructor(private readonly options: StreamOutboxOptions) {
    this.client =
      typeof options.redis === 'string'
        ? new Redis(options.redis, {
            maxRetriesPerRequest: null,
            retryStrategy: (n) => Math.min(100 * n, 2000),
          })
        : options.redis;
    this.reader = this.client.duplicate();
    // Connection errors also fail the commands, which log them; without a listener ioredis prints each to stderr.
    for (const client of typeof options.redis === 'string' ? [this.client, this.reader] : [this.reader]) {
      client.on('error', (err: Error) =>
        options.logger.debug({ err: err.message }, 'outbox: Redis connection error'),
      );
    }
    this.group = new OutboxStreamGroup(
      this.client,
      options.keyPrefix,
      options.consumer ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    );
    this.delivery = new OutboxDelivery({ ...options, connections: options.concurrency });
    this.drains = new StationDrains(
      options.concurrency,
      (station) => this.drain(station),
      this.stopping.signal,
    );
  }

  /** Entries held by this executor (read or claimed, not yet delivered). */
  get pending(): number {
    return this.held.size;
  }

  /**
   * Undelivered entries of every executor (the stream's length), for /ready and /metrics. Rejects at once while
   * Redis is not connected: this client queues commands through an outage, and a probe must not wait for it.
   */
  async streamLength(): Promise<number> {
    if (this.client.status !== 'ready') throw new Error(`Redis connection ${this.client.status}`);
    return this.group.length();
  }

  /** Starts reading, claiming, renewing and polling. */
  start(): void {
    this.track(this.readLoop());
    this.track(this.claimLoop());
    this.every(Math.max(1, Math.floor(this.options.claimIdleMs / 3)), () => this.renew());
    this.every(WAIT_POLL_MS, () => this.pollParked());
  }

  /**
   * Stops (once; later calls wait for the first). Redis calls in flight are awaited: with a client that queues
   * commands through an outage (as one made from a URL does), until Redis is back or the server's shutdown timeout.
   */
  /** Delivery outcomes of this executor's share so far (GET /metrics). */
  get counts(): DeliveryCounts {
    return this.delivery.counts;
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.stopping.abort();
    for (const timer of this.timers) clearInterval(timer);
    this.reader.disconnect(); // ends a blocked read; what it had taken stays pending, for a claim
    await Promise.all(this.tasks);
    await this.drains.settled();
    try {
      if (this.client.status === 'ready') await this.group.leave();
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message }, 'outbox: could not leave the consumer group');
    }
    await this.delivery.close();
    if (typeof this.options.redis === 'string') this.client.disconnect(); // its calls are done: nothing to flush
  }

  private get aborted(): boolean {
    return this.stopping.signal.aborted;
  }

  private track(task: Promise<void>): void {
    this.tasks.add(task);
    void task.finally(() => this.tasks.delete(task));
  }

  /** Runs `task` every `ms`, one run at a time. */
  private every(ms: number, task: () => Promise<void>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || this.aborted) return;
      running = true;
      this.track(task().finally(() => (running = false)));
    }, ms);
    this.timers.push(timer);
  }

  private async readLoop(): Promise<void> {
    while (!this.aborted) {
      if (this.held.size >= MAX_HELD) {
        await this.pause(WAIT_POLL_MS);
        continue;
      }
      const entries = await this.redis('read the outbox stream', () =>
        this.group.read(this.reader, PAGE, BLOCK_MS),
      );
      for (const entry of entries ?? []) await this.take(entry);
    }
  }

  private async claimLoop(): Promise<void> {
    const idle = this.options.claimIdleMs;
    while (await this.pause(Math.max(1, Math.floor(idle / 2)))) {
      let cursor = '0-0';
      do {
        const page = await this.redis('claim idle outbox entries', () =>
          this.group.claim(idle, cursor, PAGE),
        );
        if (!page) return;
        cursor = page[0];
        for (const entry of page[1]) await this.take(entry);
      } while (cursor !== '0-0');
      // Dead executors' consumers, once their entries are claimed, so the group does not grow with each restart.
      await this.redis('delete idle outbox consumers', () => this.group.sweep(idle));
    }
  }

  private async renew(): Promise<void> {
    const lost = await this.redis('renew held outbox entries', () => this.group.renew([...this.held.keys()]));
    for (const id of lost ?? []) this.drop(id);
  }

  /** Stations whose head's predecessor was delivered meanwhile go back to delivery (one HMGET for all). */
  private async pollParked(): Promise<void> {
    const heads = [...this.parked].flatMap((station) => this.queues.get(station)?.[0] ?? []);
    if (heads.length === 0) return;
    const next = await this.redis('read outbox delivery marks', () =>
      this.group.nextSeqs(heads.map((h) => h.field)),
    );
    heads.forEach((head, i) => {
      if (next && head.entry.seq <= (next[i] as number)) this.schedule(head.station);
    });
  }

  /** Holds an entry read or claimed (once), in its station's queue in stream order. */
  private async take([id, fields]: RawStreamEntry): Promise<void> {
    if (this.held.has(id) || fields === null) return;
    let held: Held;
    try {
      const streamed = fromStreamFields(fields);
      held = { id, ...streamed, field: markField(streamed.station, streamed.entry) };
    } catch (err) {
      this.options.logger.error(
        { id, err: (err as Error).message },
        'outbox: malformed stream entry; dropped',
      );
      await this.redis('drop a malformed outbox entry', () => this.group.discard(id));
      return;
    }
    this.held.set(id, held);
    const queue = this.queues.get(held.station) ?? [];
    this.queues.set(held.station, queue);
    let at = queue.length;
    while (at > 0 && compareStreamIds((queue[at - 1] as Held).id, id) > 0) at--;
    queue.splice(at, 0, held);
    this.schedule(held.station);
  }

  /** Forgets an entry (delivered, or claimed by another consumer). */
  private drop(id: string): void {
    const held = this.held.get(id);
    if (!held) return;
    this.held.delete(id);
    const queue = this.queues.get(held.station) ?? [];
    queue.splice(queue.indexOf(held), 1);
    if (queue.length === 0) {
      this.queues.delete(held.station);
      this.parked.delete(held.station);
    }
  }

  private schedule(station: string): void {
    this.parked.delete(station);
    this.drains.schedule(station);
  }

  /** Delivers a station's held entries in stream order until it has none, its head must wait, or stopping. */
  private async drain(station: string): Promise<void> {
    // The mark the last delivery left: its successor, held here too, need not ask Redis (only its holder moves it).
    let known: { field: string; next: number } | undefined;
    for (;;) {
      const head = this.queues.get(station)?.[0];
      if (!head || this.aborted) return;
      const next =
        known?.field === head.field
          ? known.next
          : (await this.redis('read an outbox delivery mark', () => this.group.nextSeqs([head.field])))?.[0];
      if (next === undefined) return;
      if (head.entry.seq > next) {
        this.parked.add(station);
        return;
      }
      if (head.entry.seq === next) {
        const wanted = () => this.held.get(head.id) === head;
        if (!(await this.delivery.deliver(station, head.entry, this.stopping.signal, wanted))) continue;
      }
      // Delivered now, or before (then only acknowledged). When stopping, one try records it.
      const settled = await this.redis('record an outbox delivery', () =>
        this.group.settle(head.id, head.field, head.entry.seq),
      );
      if (settled === undefined) return;
      known = { field: head.field, next: settled };
      this.drop(head.id);
    }
  }

  /**
   * Runs a Redis call (whose result is never undefined), retrying failures (logged) with backoff until it
   * succeeds: its result, or undefined once stopping (after at least one try).
   */
  private async redis<T>(what: string, call: () => Promise<T>): Promise<T | undefined> {
    for (let delay = 100; ; delay = Math.min(delay * 2, REDIS_RETRY_MAX_MS)) {
      try {
        return await call();
      } catch (err) {
        if (this.aborted) return undefined;
        const message = (err as Error).message;
        this.options.logger.warn({ err: message }, `outbox: could not ${what}; will retry`);
        if (message.startsWith('NOGROUP')) await this.group.ensure().catch(() => undefined);
        if (!(await this.pause(delay))) return undefined;
      }
    }
  }

  /** Waits `ms`: true, or false once stopping. */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.stopping.signal });
      return true;
    } catch {
      return false;
    }
  }
}

/** Orders stream ids (`ms-seq`, both decimal integers of up to 20 digits) without losing precision. */
function compareStreamIds(a: string, b: string): number {
  const [am = '', as = ''] = a.split('-');
  const [bm = '', bs = ''] = b.split('-');
  return compareDecimal(am, bm) || compareDecimal(as, bs);
}

function compareDecimal(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
