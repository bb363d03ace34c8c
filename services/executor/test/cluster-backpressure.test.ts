/**
 * Delivery backpressure in cluster mode (a real redis-server): the outbox is the shared stream, so the bounds are
 * checked by the commit script against the stream's length and the station's count of undelivered entries.
 */
import { type RedisServer, randomPrefix, startRedis } from '@outliers/test-servers';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outboxPendingKey, outboxStreamKey } from '../src/outbox/outbox-stream-entry.js';
import { markField, OutboxStreamGroup } from '../src/outbox/outbox-stream-group.js';
import { RedisStationStore } from '../src/station/redis-station-store.js';
import type { OutboxEntry } from '../src/station/station-state.js';
import { deliveredOutlierDates, ok, refused, scrape } from './support/backpressure.js';
import { block, Receiver, startApp, stationRecord, testConfig, timestamps } from './support/helpers.js';

let redis: RedisServer;
let client: Redis;
let receiver: Receiver;
let app: FastifyInstance | undefined;
let prefix: string;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});
beforeEach(async () => {
  prefix = `${randomPrefix()}:`;
  receiver = new Receiver();
  await receiver.start();
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  await receiver.stop();
});

/** An executor on Redis delivering to the receiver; an attempt times out after 200 ms, so Retry-After is 1 s. */
async function startClustered(env: Record<string, string>): Promise<FastifyInstance> {
  app = await startApp(
    testConfig({
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      DATA_SERVER_ENDPOINT: receiver.url,
      OUTBOX_TIMEOUT_MS: '200',
      METRIC_WORKERS: '0',
      ...env,
    }),
  );
  return app;
}

/** A station's description and its whole outlier history. */
async function stateOf(target: FastifyInstance, id: string) {
  return {
    station: (await target.inject({ url: `/stations/${id}` })).json(),
    history: (await target.inject({ url: `/stations/${id}/outliers` })).json(),
  };
}

/** The undelivered entries Redis counts for a station (its field is deleted at 0). */
const stationCount = async (id: string) => Number((await client.hget(outboxPendingKey(prefix), id)) ?? 0);
const streamLength = () => client.xlen(outboxStreamKey(prefix));

describe('delivery backpressure in cluster mode', () => {
  it("refuses a station's block at its own bound, changing nothing in Redis; after draining the re-sent block is delivered once", async () => {
    receiver.stalled = true;
    const target = await startClustered({ STATION_WORKERS: '2', OUTBOX_MAX_PENDING_PER_STATION: '4' });
    await ok(target, '/initialize', { id_estacio: 's', variables: { v: 8 } });
    // Each block fills the detector's window with one outlier: two entries (/outliers, /outliers/validate).
    const t = timestamps(24);
    const blocks = [0, 1, 2].map((k) =>
      block('s', t.slice(8 * k, 8 * k + 8), { v: [1, 500, 1, 1, 1, 1, 1, 1] }),
    );
    await ok(target, '/detection', blocks[0]!);
    await ok(target, '/detection', blocks[1]!);
    expect(await stationCount('s')).toBe(4);
    const before = await stateOf(target, 's');

    expect(await refused(target, blocks[2]!)).toEqual({
      status: 'Unavailable',
      code: 'EXECUTOR_DELIVERY_BACKLOG',
      message:
        'station s has 4 outlier deliveries waiting for the data server (OUTBOX_MAX_PENDING_PER_STATION 4); ' +
        'the block was not applied, re-send it in 1 s',
    });
    expect(await stateOf(target, 's')).toEqual(before);
    expect(await streamLength()).toBe(4);
    const metric = await scrape(target);
    expect(metric('outliers_blocks_refused_total', { bound: 'station' })).toBe(1);
    // The stream's length, read from Redis.
    expect(metric('outliers_outbox_pending_entries')).toBe(4);

    receiver.stalled = false;
    await expect.poll(streamLength, { timeout: 5000 }).toBe(0);
    expect(await stationCount('s')).toBe(0);
    expect((await ok(target, '/detection', blocks[2]!)).outliers).toEqual([
      expect.objectContaining({ variable: 'v', dates: [t[17]] }),
    ]);
    await receiver.waitFor((r) => new Set(r.map((x) => x.headers['idempotency-key'])).size === 6);
    expect(deliveredOutlierDates(receiver.requests)).toEqual([t[1], t[9], t[17]]);
    await expect.poll(() => stationCount('s'), { timeout: 5000 }).toBe(0);
  });

  it('holds the total bound over the stream across stations; /ready is 503 saturated until it drains', async () => {
    receiver.stalled = true;
    const target = await startClustered({
      STATION_WORKERS: '0',
      OUTBOX_MAX_PENDING: '6',
      OUTBOX_MAX_PENDING_PER_STATION: '100',
    });
    const ids = ['a', 'b'];
    for (const id of ids) await ok(target, '/initialize', { id_estacio: id, variables: { v: 8 } });
    // Blocks without outliers: one entry each, three per station.
    const t = timestamps(32);
    const blockOf = (id: string, k: number) =>
      block(id, t.slice(8 * k, 8 * k + 8), { v: Array.from({ length: 8 }, () => 1) });
    for (let k = 0; k < 3; k++) for (const id of ids) await ok(target, '/detection', blockOf(id, k));
    expect([await stationCount('a'), await stationCount('b'), await streamLength()]).toEqual([3, 3, 6]);

    const before = await Promise.all(ids.map((id) => stateOf(target, id)));
    for (const id of ids) {
      expect(await refused(target, blockOf(id, 3))).toMatchObject({
        code: 'EXECUTOR_DELIVERY_BACKLOG',
        message: expect.stringContaining(
          'the executor has 6 outlier deliveries waiting for the data server (OUTBOX_MAX_PENDING 6)',
        ),
      });
    }
    expect(await Promise.all(ids.map((id) => stateOf(target, id)))).toEqual(before);
    expect(await streamLength()).toBe(6);
    const metric = await scrape(target);
    expect(metric('outliers_blocks_refused_total', { bound: 'total' })).toBe(2);
    // The stream's length, read from Redis.
    expect(metric('outliers_outbox_pending_entries')).toBe(6);

    const ready = await target.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({
      status: 'saturated',
      reason:
        '6 outlier deliveries wait for the data server (OUTBOX_MAX_PENDING 6): blocks are refused until they drain',
      stations: 2,
      pendingDeliveries: 6,
      maxPendingDeliveries: 6,
    });
    expect((await target.inject({ url: '/health' })).statusCode).toBe(200);

    receiver.stalled = false;
    await expect
      .poll(async () => (await target.inject({ url: '/ready' })).json(), { timeout: 5000 })
      .toEqual({ status: 'ready', stations: 2, pendingDeliveries: 0, maxPendingDeliveries: 6 });
    expect([await stationCount('a'), await stationCount('b')]).toEqual([0, 0]);
    for (const id of ids) await ok(target, '/detection', blockOf(id, 3));
    await receiver.waitFor((r) => new Set(r.map((x) => x.headers['idempotency-key'])).size === 8);
    await expect.poll(streamLength, { timeout: 5000 }).toBe(0);
    expect([await stationCount('a'), await stationCount('b')]).toEqual([0, 0]);
  });
});

describe("the Redis scripts' count of a station's undelivered entries", () => {
  const entry = (seq: number): OutboxEntry => ({
    seq,
    key: `e-${seq}`,
    path: '/outliers/validate',
    body: {},
  });

  it('is raised by a commit, refuses a bounded one at the bound, and is lowered once per deleted entry', async () => {
    const store = new RedisStationStore({
      url: redis.url,
      timeoutMs: 1000,
      prefix,
      historyLimit: 10,
      logger: pino({ level: 'silent' }),
    });
    const bounds = { perStation: 2, total: 100 };
    const commit = (expectedVersion: number, outbox: OutboxEntry[], bounded = true) =>
      store.commit({
        record: stationRecord('s', { blocks: expectedVersion }),
        expectedVersion,
        history: [],
        outbox,
        ...(bounded ? { bounds } : {}),
      });
    try {
      expect(await commit(0, [entry(0), entry(1)])).toBe(1);
      expect(await stationCount('s')).toBe(2);
      expect(await commit(1, [entry(2)])).toEqual({ bound: 'station', pending: 2 });
      // Refused: nothing written, the version unchanged.
      expect(await store.version('s')).toBe(1);
      expect((await store.load('s'))?.record.blocks).toBe(0);
      // A commit without bounds (an /initialize) is not refused.
      expect(await commit(1, [], false)).toBe(2);

      const group = new OutboxStreamGroup(client, prefix, 'c');
      await group.ensure();
      const [first, second] = await group.read(client, 10, 10);
      const settle = (id: string, seq: number) => group.settle(id, markField('s', entry(seq)), seq);
      // Settled twice (two executors delivered the same entry): counted once.
      await settle(first![0], 0);
      await settle(first![0], 0);
      expect(await stationCount('s')).toBe(1);
      await group.discard(second![0]);
      await settle(second![0], 1);
      expect(await client.hexists(outboxPendingKey(prefix), 's')).toBe(0);
      expect(await streamLength()).toBe(0);
    } finally {
      await store.close();
    }
  });
});
