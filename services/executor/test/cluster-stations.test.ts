/**
 * Two executors' StationServices on one Redis (a real redis-server) serve the same stations: whichever gets a
 * block, the stations end exactly as one executor on the disk store leaves them, and a block sent to both at once
 * is applied once.
 */
import { type RedisServer, randomPrefix, startRedis } from '@outliers/test-servers';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { DetectionBlock, detectionBlockReader } from '../src/detection/detection-block.js';
import { fromStreamFields, outboxStreamKey } from '../src/outbox/outbox-stream-entry.js';
import { DiskStationStore } from '../src/station/disk-station-store.js';
import { RedisStationStore } from '../src/station/redis-station-store.js';
import { MAX_COMMIT_ATTEMPTS, StationService } from '../src/station/station-service.js';
import type { StationCommit, StationStore } from '../src/station/station-store.js';
import { block, tempDir, timestamps } from './support/helpers.js';
import { detectorBackend } from './support/threshold-detector.js';

const logger = pino({ level: 'silent' });
const now = () => new Date(Date.UTC(2021, 0, 2));

/** The Redis store, counting the commits it saw refused. */
class CountingRedisStore extends RedisStationStore {
  conflicts = 0;
  override async commit(change: StationCommit): ReturnType<RedisStationStore['commit']> {
    const version = await super.commit(change);
    if (version === 'conflict') this.conflicts++;
    return version;
  }
}

let redis: RedisServer;
let reader: Redis;
let dir: Awaited<ReturnType<typeof tempDir>>;
const services: StationService[] = [];
beforeAll(async () => {
  redis = await startRedis();
  reader = new Redis(redis.url);
  dir = await tempDir();
});
afterEach(async () => {
  for (const service of services.splice(0)) await service.close();
});
afterAll(async () => {
  reader.disconnect();
  await redis.stop();
  await dir.remove();
});

async function serve(store: StationStore, outbox: boolean): Promise<StationService> {
  const service = new StationService({
    store,
    backend: detectorBackend,
    logger,
    ackFlushMs: 1000,
    maxResident: 0,
    now,
    ...(outbox ? { outbox: { kind: 'store' as const } } : {}),
  });
  services.push(service);
  await service.load();
  return service;
}

/** `count` executors on one Redis, under a prefix of their own. */
async function cluster(count: number) {
  const prefix = `${randomPrefix()}:`;
  const stores = Array.from(
    { length: count },
    () => new CountingRedisStore({ url: redis.url, timeoutMs: 2000, prefix, historyLimit: 1000, logger }),
  );
  const executors = await Promise.all(stores.map((store) => serve(store, true)));
  /** The dates of every /outliers entry appended to the stream, per station. */
  const streamed = async () => {
    const dates: string[] = [];
    for (const [, fields] of await reader.xrange(outboxStreamKey(prefix), '-', '+')) {
      const { station, entry } = fromStreamFields(fields);
      if (entry.path !== '/outliers') continue;
      for (const o of entry.body as { variable: string; dates: string[] }[]) {
        for (const date of o.dates) dates.push(`${station}|${o.variable}|${date}`);
      }
    }
    return dates.sort();
  };
  return { executors, stores, streamed };
}

async function diskService(): Promise<StationService> {
  const store = new DiskStationStore({
    dir: `${dir.path}/${randomPrefix()}`,
    fsync: false,
    historyLimit: 1000,
    logger,
  });
  return serve(store, false);
}

const STATIONS = ['a', 'b'];
const readBlock = detectionBlockReader(loadConfig({}));
const t = timestamps(72);
/** Blocks of 6 against a window of 8: verdicts arrive in later blocks, so a lost or doubled state shows. */
const blockOf = (id: string, k: number) => {
  const values = t.map((_, i) => ((i + id.length * 3 + k) % 7 === 3 ? 400 : 1)).slice(k * 6, k * 6 + 6);
  return new DetectionBlock(JSON.stringify(block(id, t.slice(k * 6, k * 6 + 6), { v: values })), readBlock);
};
const BLOCKS = 12;

/** What a client and an operator can see of the stations. */
async function views(service: StationService) {
  const out: unknown[] = [];
  for (const id of STATIONS) out.push(await service.describe(id), await service.history(id, 0, 1000));
  return out;
}

describe('two executors on one Redis', () => {
  it('give exactly one disk executor`s answers, states and outliers when a station`s blocks alternate', async () => {
    const reference = await diskService();
    const { executors, stores, streamed } = await cluster(2);
    const [a, b] = executors as [StationService, StationService];
    const variables = new Map([['v', detectorBackend.normalize(8)]]);
    for (const id of STATIONS) await reference.initialize(id, variables);
    // Each executor creates one station; the other must find it in Redis, not answer 404.
    await a.initialize('a', variables);
    await b.initialize('b', variables);
    expect((await b.list()).map((s) => s.id).sort()).toEqual(STATIONS);

    const expected: unknown[] = [];
    const got: unknown[] = [];
    for (let k = 0; k < BLOCKS; k++) {
      for (const id of STATIONS) {
        expected.push(await reference.detect(blockOf(id, k)));
        got.push(await executors[(k + id.length) % 2]!.detect(blockOf(id, k)));
      }
    }
    expect(got).toEqual(expected);
    expect(expected.some((o) => (o as { outliers: unknown[] }).outliers.length > 0)).toBe(true);
    // Both read the newest state, whoever applied the last block.
    expect(await views(a)).toEqual(await views(reference));
    expect(await views(b)).toEqual(await views(reference));
    // Every change after the other executor's was first refused, then applied again to the newest state.
    expect(stores[0]!.conflicts).toBeGreaterThan(0);
    expect(stores[1]!.conflicts).toBeGreaterThan(0);
    const flagged = expected.flatMap((o, i) =>
      (o as { outliers: { variable: string; dates: string[] }[] }).outliers.flatMap((x) =>
        x.dates.map((d) => `${STATIONS[i % 2]}|${x.variable}|${d}`),
      ),
    );
    expect(await streamed()).toEqual(flagged.sort());
    expect(await a.describe('nobody')).toBeUndefined();
  });

  it('apply a block sent to both at once once: as one executor that got it twice', async () => {
    const reference = await diskService();
    const { executors, stores, streamed } = await cluster(2);
    const [a, b] = executors as [StationService, StationService];
    const variables = new Map([['v', detectorBackend.normalize(8)]]);
    await reference.initialize('a', variables);
    await a.initialize('a', variables);
    const flagged: string[] = [];
    for (let k = 0; k < BLOCKS; k++) {
      const first = await reference.detect(blockOf('a', k));
      // A re-sent block: every sample stale, nothing flagged again.
      const again = await reference.detect(blockOf('a', k));
      expect(again).toEqual({ outliers: [], skipped: { missing: 0, stale: 6, unknown: 0 } });
      for (const o of first.outliers) for (const d of o.dates) flagged.push(`a|${o.variable}|${d}`);
      // Both hold the newest state: each applies the block and commits against the same version.
      await Promise.all([a.describe('a'), b.describe('a')]);
      const answers = await Promise.all([a.detect(blockOf('a', k)), b.detect(blockOf('a', k))]);
      // One applied it; the other applied it again after its conflict, to a state that already had its samples.
      expect(answers.filter((o) => o.skipped.stale === 0)).toEqual([first]);
      expect(answers.filter((o) => o.skipped.stale === 6)).toEqual([again]);
    }
    expect(stores[0]!.conflicts + stores[1]!.conflicts).toBe(BLOCKS);
    expect(flagged.length).toBeGreaterThan(0);
    expect((await views(a)).slice(0, 2)).toEqual((await views(reference)).slice(0, 2));
    expect(await streamed()).toEqual(flagged.sort());
  });

  it('answer 503 after a change was refused MAX_COMMIT_ATTEMPTS times in a row, with nothing applied', async () => {
    const { executors, stores } = await cluster(1);
    const [a] = executors as [StationService];
    await a.initialize('a', new Map([['v', detectorBackend.normalize(8)]]));
    const store = stores[0]!;
    const commit = store.commit.bind(store);
    // Another executor that always commits first (a change without samples: it writes the stored record again).
    store.commit = async ({ record }) => {
      const stored = (await store.load(record.id))!;
      await commit({ record: stored.record, expectedVersion: stored.version, history: [], outbox: [] });
      store.conflicts++;
      return 'conflict';
    };
    await expect(a.detect(blockOf('a', 0))).rejects.toMatchObject({ statusCode: 503 });
    expect(store.conflicts).toBe(MAX_COMMIT_ATTEMPTS);
    store.commit = commit;
    // The other executor's changes hold none of this block's samples: the block is applied when re-sent.
    expect((await a.describe('a'))?.variables.v?.samples).toBe(0);
    expect((await a.detect(blockOf('a', 0))).skipped.stale).toBe(0);
  });
});
