/**
 * An executor on Redis (station threads, a real redis-server) loses Redis mid-stream, by a network cut (a TCP proxy
 * between them) or by redis-server being killed and started again (append-only file, fsynced): meanwhile blocks,
 * reads and /ready answer 503 with Retry-After (never a 500), and once Redis is back the re-sent blocks give exactly
 * what an executor on disk gives for the same stream: nothing lost, doubled or half-written.
 */
import { randomPrefix, startRedis } from '@outliers/test-servers';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { block, initializeStations, startApp, tempDir, testConfig, timestamps } from './support/helpers.js';
import { TcpProxy } from './support/tcp-proxy.js';

/** A Redis the executor reaches at `url`, which `lose` takes away and `recover` gives back, with its data. */
interface Outage {
  url: string;
  lose(): Promise<void>;
  recover(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function networkCut(): Promise<Outage> {
  const redis = await startRedis();
  const proxy = new TcpProxy(redis.port);
  await proxy.restore();
  cleanups.push(
    () => redis.stop(),
    () => proxy.cut(),
  );
  return { url: `redis://127.0.0.1:${proxy.port}`, lose: () => proxy.cut(), recover: () => proxy.restore() };
}

async function killedAndRestarted(): Promise<Outage> {
  const dir = await tempDir();
  const redis = await startRedis({ appendOnlyDir: dir.path });
  cleanups.push(
    () => dir.remove(),
    () => redis.stop(),
  );
  // `restart` starts the killed server again on its port, from its append-only file.
  return { url: redis.url, lose: () => redis.stop(), recover: () => redis.restart() };
}

async function diskApp(): Promise<FastifyInstance> {
  const dir = await tempDir();
  const app = await startApp(testConfig({ STATE_DIR: dir.path, STATION_WORKERS: '0', METRIC_WORKERS: '0' }));
  cleanups.push(
    () => dir.remove(),
    () => app.close(),
  );
  return app;
}

const STATIONS = ['north', 'south', 'east'];
const t = timestamps(60);
const BLOCKS = 10;
const payloadOf = (s: number, k: number) =>
  block(STATIONS[s]!, t.slice(k * 6, k * 6 + 6), {
    v: t.map((_, i) => ((i + s) % 5 === 2 ? 300 : 1)).slice(k * 6, k * 6 + 6),
  });

async function views(app: FastifyInstance): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const id of STATIONS) {
    const detail = (await app.inject({ method: 'GET', url: `/stations/${id}` })).json<
      Record<string, unknown>
    >();
    const history = (await app.inject({ method: 'GET', url: `/stations/${id}/outliers?limit=1000` })).json();
    out.push({ ...detail, createdAt: undefined, updatedAt: undefined }, history);
  }
  return out;
}

async function waitReady(app: FastifyInstance): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await app.inject({ method: 'GET', url: '/ready' })).statusCode !== 200) {
    if (Date.now() > deadline) throw new Error('not ready again within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each([
  ['the network to Redis is cut', networkCut],
  ['redis-server is killed and started again', killedAndRestarted],
])('Redis lost mid-stream: %s', (_, makeOutage) => {
  it('answers 503 with Retry-After meanwhile, then resumes with nothing lost or doubled', async () => {
    const outage = await makeOutage();
    const disk = await diskApp();
    const app = await startApp(
      testConfig({
        REDIS_URL: outage.url,
        REDIS_PREFIX: `${randomPrefix()}:`,
        REDIS_TIMEOUT_MS: '500',
        STATION_WORKERS: '2',
        METRIC_WORKERS: '0',
      }),
    );
    cleanups.push(() => app.close());
    await initializeStations(disk, STATIONS);
    await initializeStations(app, STATIONS);

    const expected: unknown[] = [];
    const got: unknown[] = [];
    const unavailable: number[] = [];
    for (let k = 0; k < BLOCKS; k++) {
      if (k === 4) {
        await outage.lose();
        const ready = await app.inject({ method: 'GET', url: '/ready' });
        expect(ready.statusCode).toBe(503);
        expect(ready.json().reason).toMatch(
          /^Redis \(REDIS_URL redis:\/\/127\.0\.0\.1:\d+\/?\) cannot be reached/,
        );
      }
      for (let s = 0; s < STATIONS.length; s++) {
        expected.push(
          (await disk.inject({ method: 'POST', url: '/detection', payload: payloadOf(s, k) })).json(),
        );
        let res = await app.inject({ method: 'POST', url: '/detection', payload: payloadOf(s, k) });
        while (res.statusCode === 503) {
          // The client re-sends until it is answered; meanwhile reads are 503 too, never a 500 (once Redis is back,
          // a read may already succeed while the client is still reconnecting for the next block).
          unavailable.push(res.statusCode);
          expect(res.headers['retry-after']).toBe('1');
          const read = (await app.inject({ method: 'GET', url: `/stations/${STATIONS[s]}` })).statusCode;
          if (unavailable.length <= 6) expect(read).toBe(503);
          else expect([200, 503]).toContain(read);
          if (unavailable.length === 6) await outage.recover();
          await new Promise((r) => setTimeout(r, 20));
          res = await app.inject({ method: 'POST', url: '/detection', payload: payloadOf(s, k) });
        }
        expect(res.statusCode).toBe(200);
        got.push(res.json());
      }
    }
    expect(unavailable.length).toBeGreaterThanOrEqual(6);
    await waitReady(app);
    expect(got).toEqual(expected);
    expect(expected.some((o) => (o as { outliers: unknown[] }).outliers.length > 0)).toBe(true);
    expect(await views(app)).toEqual(await views(disk));
  }, 30_000);
});
