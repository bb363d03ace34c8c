/**
 * What every StationStore guarantees, run against the disk store and the Redis store (a real redis-server): versioned
 * commits of record, history and outbox entries, all or nothing; conflicts; history pages and their limit; the index.
 */
import { type RedisServer, randomPrefix, startRedis } from '@outliers/test-servers';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fromStreamFields, outboxStreamKey } from '../src/outbox/outbox-stream-entry.js';
import { DiskStationStore } from '../src/station/disk-station-store.js';
import { RedisStationStore } from '../src/station/redis-station-store.js';
import { stationKey } from '../src/station/station-key.js';
import type { HistoryEntry, OutboxEntry, StationRecord } from '../src/station/station-state.js';
import type { StationStore } from '../src/station/station-store.js';
import { stationRecord, tempDir } from './support/helpers.js';

const HISTORY_LIMIT = 4;
const logger = pino({ level: 'silent' });

let redis: RedisServer;
let reader: Redis;
beforeAll(async () => {
  redis = await startRedis();
  reader = new Redis(redis.url);
});
afterAll(async () => {
  reader.disconnect();
  await redis.stop();
});

/** A store kind: `open` makes a store on this test's storage (a second call: another process on the same one). */
interface Kind {
  open(includes?: (key: string) => boolean): StationStore;
  /** The station's outbox as the store keeps it: in its record, or in the shared stream. */
  outbox(id: string): Promise<OutboxEntry[]>;
  cleanup(): Promise<void>;
}

async function diskKind(): Promise<Kind> {
  const dir = await tempDir();
  const open = (includes?: (key: string) => boolean) =>
    new DiskStationStore({
      dir: dir.path,
      fsync: false,
      historyLimit: HISTORY_LIMIT,
      logger,
      ...(includes ? { includes } : {}),
    });
  return {
    open,
    outbox: async (id) => (await open().load(id))?.record.outbox ?? [],
    cleanup: () => dir.remove(),
  };
}

async function redisKind(): Promise<Kind> {
  const prefix = `${randomPrefix()}:`;
  return {
    open: (includes) =>
      new RedisStationStore({
        url: redis.url,
        timeoutMs: 2000,
        prefix,
        historyLimit: HISTORY_LIMIT,
        logger,
        ...(includes ? { includes } : {}),
      }),
    outbox: async (id) =>
      (await reader.xrange(outboxStreamKey(prefix), '-', '+'))
        .map(([, fields]) => fromStreamFields(fields))
        .filter((e) => e.station === id)
        .map((e) => e.entry),
    cleanup: async () => undefined,
  };
}

function record(id: string, blocks: number, historyNext = 0): StationRecord {
  return stationRecord(id, { blocks, nextEntrySeq: blocks, historyNext });
}

const entry = (n: number): HistoryEntry => ({ n, block: n, variable: 'v', date: `d${n}`, score: 1 });
const delivery = (seq: number): OutboxEntry => ({
  seq,
  key: `e-${seq}`,
  path: '/outliers',
  body: [{ id_estacio: 's', variable: 'v', dates: [`d${seq}`] }],
});

describe.each([
  ['disk', diskKind],
  ['redis', redisKind],
])('%s station store', (_, makeKind) => {
  let kind: Kind;
  const stores: StationStore[] = [];
  const open = (includes?: (key: string) => boolean) => {
    const store = kind.open(includes);
    stores.push(store);
    return store;
  };
  beforeEach(async () => {
    kind = await makeKind();
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await kind.cleanup();
  });

  it('commits a new station at version 0 and each change at the version it read, across instances', async () => {
    const a = open();
    expect(await a.load('río_1/x')).toBeUndefined();
    expect(await a.version('río_1/x')).toBe(0);
    const v1 = await a.commit({ record: record('río_1/x', 1), expectedVersion: 0, history: [], outbox: [] });
    expect(v1).toBeTypeOf('number');
    const b = open();
    const stored = await b.load('río_1/x');
    expect(stored).toEqual({ record: record('río_1/x', 1), version: v1 });
    const v2 = await b.commit({
      record: record('río_1/x', 2),
      expectedVersion: v1 as number,
      history: [],
      outbox: [],
    });
    expect(v2).toBeGreaterThan(v1 as number);
    expect(await open().version('río_1/x')).toBe(v2);
    expect((await open().load('río_1/x'))?.record.blocks).toBe(2);
  });

  it('refuses a change made from an older version and writes none of it', async () => {
    const a = open();
    const v1 = (await a.commit({
      record: record('c', 1),
      expectedVersion: 0,
      history: [],
      outbox: [],
    })) as number;
    // Another executor on a shared store; the same process on the disk (one process owns a directory).
    const other = () => (a.shared ? open() : a);
    const b = other();
    const v2 = (await b.commit({
      record: record('c', 2, 1),
      expectedVersion: v1,
      history: [entry(0)],
      outbox: [delivery(1)],
    })) as number;
    // `a` still believes in v1: its change (another block 2) must not land, nor its history or outbox entries.
    const stale = await a.commit({
      record: record('c', 2, 2),
      expectedVersion: v1,
      history: [entry(0), entry(1)],
      outbox: [delivery(1), delivery(2)],
    });
    expect(stale).toBe('conflict');
    // A station created meanwhile is a conflict for a change that thought it new.
    expect(
      await other().commit({ record: record('c', 9), expectedVersion: 0, history: [], outbox: [] }),
    ).toBe('conflict');
    const c = open();
    const stored = await c.load('c');
    expect(stored?.version).toBe(v2);
    // The outbox is compared as the store keeps it (below).
    expect({ ...stored?.record, outbox: [] }).toEqual(record('c', 2, 1));
    expect((await c.readHistory('c', 0, 100, 100)).entries).toEqual([entry(0)]);
    expect(await kind.outbox('c')).toEqual([delivery(1)]);
  });

  it('pages the committed history and keeps the latest entries beyond the limit', async () => {
    const a = open();
    let version = 0;
    // Seven entries in three commits: over the limit (4), the oldest go; entry numbers (cursors) stay.
    for (const [next, batch] of [
      [3, [entry(0), entry(1), entry(2)]],
      [6, [entry(3), entry(4), entry(5)]],
      [7, [entry(6)]],
    ] as const) {
      version = (await a.commit({
        record: record('h', next, next),
        expectedVersion: version,
        history: batch,
        outbox: [],
      })) as number;
    }
    const b = open();
    expect((await b.readHistory('h', 0, 100, 7)).entries.map((e) => e.n)).toEqual([3, 4, 5, 6]);
    expect(await b.readHistory('h', 4, 2, 7)).toEqual({ entries: [entry(4), entry(5)], nextCursor: 6 });
    expect(await b.readHistory('h', 4, 2, 6)).toEqual({ entries: [entry(4), entry(5)], nextCursor: null });
    expect(await b.readHistory('h', 7, 10, 7)).toEqual({ entries: [], nextCursor: null });
  });

  it('lists every station once, or a shard of them', async () => {
    const a = open();
    for (const id of ['x', 'y', 'z']) {
      await a.commit({ record: record(id, 1), expectedVersion: 0, history: [], outbox: [delivery(0)] });
    }
    await a.commit({
      record: record('x', 2),
      expectedVersion: await a.version('x'),
      history: [],
      outbox: [],
    });
    const all = await open().loadIndex();
    expect(all.map((s) => [s.id, s.blocks]).sort()).toEqual([
      ['x', 2],
      ['y', 1],
      ['z', 1],
    ]);
    const shard = await open((key) => key === stationKey('y')).loadIndex();
    expect(shard.map((s) => s.id)).toEqual(['y']);
  });
});
