import { deserialize, serialize } from 'node:v8';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Redis } from 'ioredis';
import type { BlockRefusal } from '../outbox/delivery-bounds.js';
import { outboxPendingKey, outboxStreamKey, toStreamFields } from '../outbox/outbox-stream-entry.js';
import { type RedisSettings, redisClient } from './redis-connection.js';
import { stationKey } from './station-key.js';
import { type HistoryEntry, type StationRecord, type StationSummary, summaryOf } from './station-state.js';
import type { HistoryPage, StationCommit, StationStore, StoredStation } from './station-store.js';

export interface RedisStationStoreOptions extends RedisSettings {
  /** Prepended to every key (REDIS_PREFIX). */
  prefix: string;
  /** History entries kept per station. */
  historyLimit: number;
  logger: Logger;
  /** Only the stations whose key (stationKey) passes: `loadIndex` skips the others (a station thread's shard). */
  includes?: (key: string) => boolean;
}

/**
 * Checks the delivery bounds and the version, writes the record and the summary, bumps the version, adds the history
 * (trimmed to the limit), appends the outbox entries to the shared stream and counts them as the station's
 * undelivered entries, all or nothing (a script runs alone in Redis, so two executors cannot both pass a bound).
 * KEYS: station hash, index hash, history sorted set, outbox stream, pending hash (outboxPendingKey). ARGV: expected
 * version, station id, record, summary, history limit, bound of the station's undelivered entries, bound of the
 * stream's length (0: unbounded), history count h, h pairs (n, entry), then per outbox entry its field count and
 * fields. Answers {1, new version}, {0, stored version} on a conflict, or, writing nothing, {2, station's count}
 * or {3, stream length} when that bound is reached (the stream holds exactly the undelivered entries).
 */
const COMMIT_LUA = `
local perStation = tonumber(ARGV[6])
if perStation > 0 then
  local pending = tonumber(redis.call('HGET', KEYS[5], ARGV[2]) or '0')
  if pending >= perStation then return {2, pending} end
end
local total = tonumber(ARGV[7])
if total > 0 then
  local length = redis.call('XLEN', KEYS[4])
  if length >= total then return {3, length} end
end
local version = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if version ~= tonumber(ARGV[1]) then return {0, version} end
version = version + 1
redis.call('HSET', KEYS[1], 'v', version, 'r', ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[4])
local i = 9
local h = tonumber(ARGV[8])
for _ = 1, h do
  redis.call('ZADD', KEYS[3], ARGV[i], ARGV[i + 1])
  i = i + 2
end
if h > 0 then redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[5]) + 1)) end
local appended = 0
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  redis.call('XADD', KEYS[4], '*', unpack(ARGV, i + 1, i + n))
  appended = appended + 1
  i = i + n + 1
end
if appended > 0 then redis.call('HINCRBY', KEYS[5], ARGV[2], appended) end
return {1, version}
`;

/** The commit script's answers (first element). */
const COMMITTED = 1;
const STATION_BOUND = 2;
const TOTAL_BOUND = 3;

type CommitScript = (
  station: string,
  index: string,
  history: string,
  outbox: string,
  pending: string,
  ...args: (string | number | Buffer)[]
) => Promise<[number, number]>;

/**
 * Stations in Redis, shared by every executor of a cluster. Per station (keys under `prefix`, the station named by
 * its stationKey): `station:<key>`, a hash of the version `v` and the record `r` (V8's serialization format, as on
 * disk); `history:<key>`, a sorted set of history entries (JSON) scored by their number; the summary in the
 * `stations` hash under the id. Outbox entries go to the stream every executor reads (`outbox-stream-entry.ts`), in
 * the commit that makes them, so the record's own outbox stays empty, and are counted per station in the pending
 * hash (outboxPendingKey) for the delivery bounds. A commit is one script: one round trip.
 * Needs one Redis (or a primary with replicas): a Redis Cluster would spread a commit's keys over several nodes.
 */
export class RedisStationStore implements StationStore {
  readonly shared = true;
  private readonly client: Redis & { commitStation: CommitScript };
  private readonly indexKey: string;
  private readonly streamKey: string;
  private readonly pendingKey: string;
  private firstConnect: Promise<void> | undefined;

  constructor(private readonly options: RedisStationStoreOptions) {
    const client = redisClient(options, options.logger);
    client.defineCommand('commitStation', { numberOfKeys: 5, lua: COMMIT_LUA });
    this.client = client as Redis & { commitStation: CommitScript };
    this.indexKey = `${options.prefix}stations`;
    this.streamKey = outboxStreamKey(options.prefix);
    this.pendingKey = outboxPendingKey(options.prefix);
  }

  async loadIndex(): Promise<StationSummary[]> {
    const summaries = (await (await this.connected()).hvals(this.indexKey)).map(
      (text) => JSON.parse(text) as StationSummary,
    );
    const { includes } = this.options;
    // By id: a hash's order is Redis's own, and pages (GET /stations?offset) need a stable one.
    return (includes ? summaries.filter((s) => includes(stationKey(s.id))) : summaries).sort((x, y) =>
      x.id < y.id ? -1 : x.id > y.id ? 1 : 0,
    );
  }

  async load(id: string): Promise<StoredStation | undefined> {
    const [version, record] = await (await this.connected()).hmgetBuffer(this.stationKey(id), 'v', 'r');
    if (!version || !record) return undefined;
    return { record: deserialize(record) as StationRecord, version: Number(version.toString()) };
  }

  async version(id: string): Promise<number> {
    return Number((await (await this.connected()).hget(this.stationKey(id), 'v')) ?? 0);
  }

  async commit({
    record,
    expectedVersion,
    history,
    outbox,
    bounds,
  }: StationCommit): Promise<number | 'conflict' | BlockRefusal> {
    const client = await this.connected();
    const key = stationKey(record.id);
    const args: (string | number | Buffer)[] = [
      expectedVersion,
      record.id,
      serialize(record),
      JSON.stringify(summaryOf(record)),
      this.options.historyLimit,
      bounds?.perStation ?? 0,
      bounds?.total ?? 0,
      history.length,
    ];
    for (const entry of history) args.push(entry.n, JSON.stringify(entry));
    for (const entry of outbox) {
      const fields = toStreamFields(record.id, entry);
      args.push(fields.length, ...fields);
    }
    const [answer, value] = await client.commitStation(
      `${this.options.prefix}station:${key}`,
      this.indexKey,
      `${this.options.prefix}history:${key}`,
      this.streamKey,
      this.pendingKey,
      ...args,
    );
    if (answer === COMMITTED) return value;
    if (answer === STATION_BOUND) return { bound: 'station', pending: value };
    if (answer === TOTAL_BOUND) return { bound: 'total', pending: value };
    return 'conflict';
  }

  async readHistory(id: string, cursor: number, limit: number, committedNext: number): Promise<HistoryPage> {
    const texts = await (await this.connected()).zrangebyscore(
      `${this.options.prefix}history:${stationKey(id)}`,
      cursor,
      `(${committedNext}`,
      'LIMIT',
      0,
      limit + 1,
    );
    const entries = texts.slice(0, limit).map((text) => JSON.parse(text) as HistoryEntry);
    const last = entries.at(-1);
    return { entries, nextCursor: texts.length > limit && last ? last.n + 1 : null };
  }

  async close(): Promise<void> {
    if (this.client.status === 'wait' || this.client.status === 'end') return;
    // A client that is not connected has nothing to finish: QUIT would fail.
    if (this.client.status !== 'ready') this.client.disconnect();
    else await this.client.quit();
  }

  /**
   * The client, after its first connection attempt (made on first use). Commands fail at once whenever it is not
   * connected (see redisClient): the attempt's own error is theirs to report.
   */
  private async connected(): Promise<Redis & { commitStation: CommitScript }> {
    this.firstConnect ??= this.client.connect().catch(() => undefined);
    await this.firstConnect;
    return this.client;
  }

  private stationKey(id: string): string {
    return `${this.options.prefix}station:${stationKey(id)}`;
  }
}
