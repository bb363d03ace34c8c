import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shardOf } from '../src/station/station-threads.js';
import { deliveredOutlierDates, ok, refused, scrape } from './support/backpressure.js';
import { appPerTest, block, Receiver, startApp, tempDir, testConfig, timestamps } from './support/helpers.js';

const { start } = appPerTest();
let receiver: Receiver;

beforeEach(async () => {
  receiver = new Receiver();
  await receiver.start();
});
afterEach(() => receiver.stop());

/** An executor delivering to the receiver; an attempt times out after 200 ms, so Retry-After is 1 s. */
const startDelivering = (env: Record<string, string>) =>
  start({ DATA_SERVER_ENDPOINT: receiver.url, OUTBOX_TIMEOUT_MS: '200', OUTBOX_ACK_FLUSH_MS: '20', ...env });

const station = async (app: FastifyInstance, id: string) =>
  (await app.inject({ url: `/stations/${id}` })).json();

/** Ids of stations owned by thread 0 and thread 1 of two. */
function stationsOnTwoThreads(): [string, string] {
  const ids = Array.from({ length: 64 }, (_, i) => `st-${i}`);
  return [ids.find((id) => shardOf(id, 2) === 0)!, ids.find((id) => shardOf(id, 2) === 1)!];
}

describe('delivery backpressure', () => {
  it("refuses a station's block at its bound with 503 and Retry-After, changing nothing; the re-sent block is delivered once", async () => {
    receiver.stalled = true;
    const app = await startDelivering({ STATION_WORKERS: '2', OUTBOX_MAX_PENDING_PER_STATION: '4' });
    await ok(app, '/initialize', { id_estacio: 's', variables: { v: 8 } });
    // Each block fills the detector's window with one outlier: two entries (/outliers, /outliers/validate).
    const t = timestamps(24);
    const blocks = [0, 1, 2].map((k) =>
      block('s', t.slice(8 * k, 8 * k + 8), { v: [1, 500, 1, 1, 1, 1, 1, 1] }),
    );
    await ok(app, '/detection', blocks[0]!);
    await ok(app, '/detection', blocks[1]!);
    const before = await station(app, 's');
    expect(before.outboxPending).toBe(4);
    const historyBefore = (await app.inject({ url: '/stations/s/outliers' })).json();

    expect(await refused(app, blocks[2]!)).toEqual({
      status: 'Unavailable',
      code: 'EXECUTOR_DELIVERY_BACKLOG',
      message:
        'station s has 4 outlier deliveries waiting for the data server (OUTBOX_MAX_PENDING_PER_STATION 4); ' +
        'the block was not applied, re-send it in 1 s',
    });
    expect(await station(app, 's')).toEqual(before);
    expect((await app.inject({ url: '/stations/s/outliers' })).json()).toEqual(historyBefore);
    expect((await scrape(app))('outliers_blocks_refused_total', { bound: 'station' })).toBe(1);

    receiver.stalled = false;
    await expect.poll(async () => (await station(app, 's')).outboxPending, { timeout: 5000 }).toBe(0);
    expect((await ok(app, '/detection', blocks[2]!)).outliers).toEqual([
      expect.objectContaining({ variable: 'v', dates: [t[17]] }),
    ]);
    await receiver.waitFor((r) => new Set(r.map((x) => x.headers['idempotency-key'])).size === 6);
    expect(deliveredOutlierDates(receiver.requests)).toEqual([t[1], t[9], t[17]]);
  });

  it.each(['2', '0'])(
    'holds the total bound across stations (STATION_WORKERS=%s); /ready is 503 until it drains, /health stays 200',
    async (workers) => {
      receiver.stalled = true;
      const app = await startDelivering({
        STATION_WORKERS: workers,
        OUTBOX_MAX_PENDING: '6',
        OUTBOX_MAX_PENDING_PER_STATION: '100',
      });
      const ids = stationsOnTwoThreads();
      for (const id of ids) await ok(app, '/initialize', { id_estacio: id, variables: { v: 8 } });
      // Blocks without outliers: one entry each, three per station (with threads: three per thread, under 6).
      const t = timestamps(32);
      const blockOf = (id: string, k: number) =>
        block(id, t.slice(8 * k, 8 * k + 8), { v: Array.from({ length: 8 }, () => 1) });
      for (let k = 0; k < 3; k++) for (const id of ids) await ok(app, '/detection', blockOf(id, k));

      const before = await Promise.all(ids.map((id) => station(app, id)));
      expect(before.map((s) => s.outboxPending)).toEqual([3, 3]);
      for (const id of ids) {
        expect(await refused(app, blockOf(id, 3))).toMatchObject({
          code: 'EXECUTOR_DELIVERY_BACKLOG',
          message: expect.stringContaining(
            'the executor has 6 outlier deliveries waiting for the data server (OUTBOX_MAX_PENDING 6)',
          ),
        });
      }
      expect(await Promise.all(ids.map((id) => station(app, id)))).toEqual(before);

      const ready = await app.inject({ url: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({
        status: 'saturated',
        reason:
          '6 outlier deliveries wait for the data server (OUTBOX_MAX_PENDING 6): blocks are refused until they drain',
        stations: 2,
        pendingDeliveries: 6,
        maxPendingDeliveries: 6,
      });
      expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
      // /initialize and reads are not refused.
      await ok(app, '/initialize', { id_estacio: ids[0], variables: { v: 8 } });
      expect((await app.inject({ url: '/stations' })).statusCode).toBe(200);

      const metric = await scrape(app);
      // The gauge is the stations' own count, summed over the threads.
      const pending = (await Promise.all(ids.map((id) => station(app, id)))).map((s) => s.outboxPending);
      expect(metric('outliers_outbox_pending_entries')).toBe(pending[0] + pending[1]);
      expect(pending[0] + pending[1]).toBe(6);
      expect(metric('outliers_blocks_refused_total', { bound: 'total' })).toBe(2);
      expect(metric('outliers_stations_known')).toBe(2);
      expect(metric('outliers_outbox_deliveries_total', { outcome: 'succeeded' })).toBe(0);

      // Attempts time out after 200 ms and are retried.
      await expect
        .poll(async () => (await scrape(app))('outliers_outbox_deliveries_total', { outcome: 'retried' }))
        .toBeGreaterThan(0);

      receiver.stalled = false;
      await expect
        .poll(async () => (await app.inject({ url: '/ready' })).json(), { timeout: 5000 })
        .toEqual({ status: 'ready', stations: 2, pendingDeliveries: 0, maxPendingDeliveries: 6 });
      for (const id of ids) await ok(app, '/detection', blockOf(id, 3));
      const drained = await scrape(app);
      expect(drained('outliers_outbox_deliveries_total', { outcome: 'succeeded' })).toBeGreaterThanOrEqual(6);
    },
  );
});

describe('undelivered entries after a restart', () => {
  it('are counted again as the stations load: /ready stays 503 and blocks stay refused', async () => {
    receiver.stalled = true;
    const dir = await tempDir();
    const config = testConfig({
      STATE_DIR: dir.path,
      METRIC_WORKERS: '0',
      STATION_WORKERS: '2',
      DATA_SERVER_ENDPOINT: receiver.url,
      OUTBOX_TIMEOUT_MS: '200',
      OUTBOX_MAX_PENDING: '2',
    });
    let app = await startApp(config);
    try {
      await ok(app, '/initialize', { id_estacio: 's', variables: { v: 8 } });
      const t = timestamps(16);
      await ok(app, '/detection', block('s', t.slice(0, 8), { v: [1, 500, 1, 1, 1, 1, 1, 1] }));
      await app.close();
      app = await startApp(config);
      expect((await app.inject({ url: '/ready' })).json()).toMatchObject({
        status: 'saturated',
        pendingDeliveries: 2,
      });
      const next = block('s', t.slice(8), { v: [1, 1, 1, 1, 1, 1, 1, 1] });
      expect((await app.inject({ method: 'POST', url: '/detection', payload: next })).statusCode).toBe(503);
      receiver.stalled = false;
      await expect
        .poll(async () => (await app.inject({ url: '/ready' })).statusCode, { timeout: 5000 })
        .toBe(200);
      await ok(app, '/detection', next);
    } finally {
      await app.close();
      await dir.remove();
    }
  });
});

describe('GET /metrics', () => {
  it('parses as Prometheus text with the default process metrics, requests per route and the stations', async () => {
    const app = await start({ STATION_WORKERS: '2' });
    const ids = stationsOnTwoThreads();
    for (const id of ids) await ok(app, '/initialize', { id_estacio: id, variables: { v: 8 } });
    expect(
      (await app.inject({ method: 'POST', url: '/detection', payload: { id_estacio: 'x' } })).statusCode,
    ).toBe(400);
    const metric = await scrape(app);
    for (const name of ['nodejs_heap_size_used_bytes', 'process_resident_memory_bytes'])
      expect(metric(name), name).toBeGreaterThan(0);
    expect(metric('nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(metric.families).toContain('nodejs_gc_duration_seconds');
    const requests = (route: string, status: string, count: number) =>
      new RegExp(
        `^http_request_duration_seconds_count{method="POST",route="${route}",status_code="${status}"} ${count}$`,
        'm',
      );
    expect(metric.text).toMatch(requests('/initialize', '200', 2));
    expect(metric.text).toMatch(requests('/detection', '400', 1));
    expect(metric('outliers_stations_known')).toBe(2);
    expect(metric('outliers_stations_resident')).toBe(2);
    expect(metric('outliers_outbox_pending_entries')).toBe(0);
    expect(metric('outliers_station_threads_down')).toBe(0);
    for (const thread of ['0', '1'])
      expect(metric('outliers_station_thread_heap_used_bytes', { thread })).toBeGreaterThan(0);
    // Without a data server there is no outbox and no bound.
    expect((await app.inject({ url: '/ready' })).json()).toEqual({ status: 'ready', stations: 2 });
  });
});
