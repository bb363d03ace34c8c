import { writeFile } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { shardOf } from '../src/station/station-threads.js';
import {
  block,
  outliersAt,
  postJsonText,
  startApp,
  tempDir,
  testConfig,
  timestamps,
} from './support/helpers.js';

/** Enough stations that both shards of two workers hold some. */
const IDS = Array.from({ length: 8 }, (_, i) => `ws_${i}`);

/** The app with its stations in two threads, with the detectors of @outliers/core. */
async function startWorkersApp(stateDir: string): Promise<FastifyInstance> {
  const app = await buildApp(testConfig({ STATE_DIR: stateDir, STATION_WORKERS: '2' }), {
    logger: pino({ level: 'silent' }),
  });
  await app.ready();
  await app.stations.load();
  return app;
}

/** A level series with one spike of +9 at `spikeAt`. */
function levels(count: number, spikeAt: number): number[] {
  return Array.from({ length: count }, (_, i) => 1 + 0.01 * (i % 5) + (i === spikeAt ? 9 : 0));
}

describe('stations in worker threads', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let app: FastifyInstance;
  beforeAll(async () => {
    dir = await tempDir();
    app = await startWorkersApp(dir.path);
  });
  afterAll(async () => {
    await app.close();
    await dir.remove();
  });

  it('spreads stations over both shards and answers as the event loop would', async () => {
    expect(new Set(IDS.map((id) => shardOf(id, 2)))).toEqual(new Set([0, 1]));
    for (const id of IDS) {
      const res = await app.inject({
        method: 'POST',
        url: '/initialize',
        payload: { id_estacio: id, variables: { level: 64 } },
      });
      expect(res.json()).toEqual({ status: 'Ok' });
    }
    const times = timestamps(96);
    const replies = await Promise.all(
      IDS.map((id) =>
        app.inject({
          method: 'POST',
          url: '/detection',
          payload: block(id, times, { level: levels(96, 80) }),
        }),
      ),
    );
    for (const res of replies) {
      expect(res.json()).toEqual({
        status: 'Ok',
        outliers: [outliersAt('level', [times[80]])],
        skipped: { missing: 0, stale: 0, unknown: 0 },
      });
    }
    const list = (await app.inject({ url: '/stations?limit=100' })).json();
    expect(list.total).toBe(IDS.length);
    expect(list.stations.map((s: { id_estacio: string }) => s.id_estacio).sort()).toEqual([...IDS].sort());
    expect((await app.inject({ url: '/ready' })).json()).toEqual({ status: 'ready', stations: IDS.length });
    const detail = (await app.inject({ url: `/stations/${IDS[3]}` })).json();
    expect(detail.variables.level.samples).toBe(96);
    const page = (await app.inject({ url: `/stations/${IDS[3]}/outliers` })).json();
    expect(page.outliers.map((o: { date: string }) => o.date)).toEqual([times[80]]);
  });

  it('keeps the reference 404 body and the 4xx of bad input', async () => {
    const unknown = await app.inject({
      method: 'POST',
      url: '/detection',
      payload: block('nobody', timestamps(1), { level: [1] }),
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ status: 'Station not initialized' });
    expect((await app.inject({ url: '/stations/nobody' })).statusCode).toBe(404);
    const bad = await app.inject({
      method: 'POST',
      url: '/detection',
      payload: { id_estacio: IDS[0], numero_mostres: 2, mostres: [] },
    });
    expect(bad.statusCode).toBe(400);
  });

  it("applies a block on its station's thread when the id scan is fooled", async () => {
    const target = IDS.find((id) => id !== IDS[5] && shardOf(id, 2) === 0)!;
    const decoy = IDS.find((id) => shardOf(id, 2) === 1)!;
    const { numero_mostres, mostres } = block(target, timestamps(96, 96), { level: levels(96, -1) });
    // The real key spelt with an escape; the only plain one is nested in an extra field (see DetectionBlock.station).
    const payload =
      `{"extra":{"id_estacio":${JSON.stringify(decoy)}},"id_estaci\\u006f":${JSON.stringify(target)},` +
      `"numero_mostres":${numero_mostres},"mostres":${JSON.stringify(mostres)}}`;
    const res = await postJsonText(app, '/detection', payload);
    expect(res.statusCode).toBe(200);
    expect((await app.inject({ url: `/stations/${target}` })).json().variables.level.samples).toBe(192);
    expect((await app.inject({ url: `/stations/${decoy}` })).json().variables.level.samples).toBe(96);
  });

  it('continues after a restart with another number of threads, re-sent blocks ignored', async () => {
    await app.close();
    app = await buildApp(testConfig({ STATE_DIR: dir.path, STATION_WORKERS: '1' }), {
      logger: pino({ level: 'silent' }),
    });
    await app.ready();
    await app.stations.load();
    expect((await app.inject({ url: '/ready' })).json()).toEqual({ status: 'ready', stations: IDS.length });
    const again = await app.inject({
      method: 'POST',
      url: '/detection',
      payload: block(IDS[5]!, timestamps(96), { level: levels(96, 80) }),
    });
    expect(again.json().skipped.stale).toBe(96);
    const next = timestamps(96, 96);
    const res = await app.inject({
      method: 'POST',
      url: '/detection',
      payload: block(IDS[5]!, next, { level: levels(96, 80) }),
    });
    // Past the hold-off of the first alarm (64 samples).
    expect(res.json().outliers).toEqual([outliersAt('level', [next[80]])]);
  });
});

describe('a station thread that dies', () => {
  it('is replaced: its stations answer 503 meanwhile (never a hung request), then continue from disk', {
    timeout: 30_000,
  }, async () => {
    const dir = await tempDir();
    const app = await startWorkersApp(dir.path);
    try {
      const id = IDS[1]!;
      const times = timestamps(192);
      const post = (payload: object) => app.inject({ method: 'POST', url: '/detection', payload });
      await app.inject({
        method: 'POST',
        url: '/initialize',
        payload: { id_estacio: id, variables: { level: 64 } },
      });
      expect((await post(block(id, times.slice(0, 96), { level: levels(96, 200) }))).statusCode).toBe(200);

      const { shards } = app.stations as unknown as { shards: { worker: Worker | null }[] };
      await shards[shardOf(id, 2)]!.worker!.terminate();
      const meanwhile = await post(block(id, times.slice(96), { level: levels(96, 80) }));
      expect(meanwhile.statusCode).toBe(503);
      expect((await app.inject({ url: '/ready' })).statusCode).toBe(503);

      await expect
        .poll(async () => (await app.inject({ url: '/ready' })).statusCode, { timeout: 10_000 })
        .toBe(200);
      // The client re-sends the block that got 503; the new thread has the station's state from disk.
      const again = await post(block(id, times.slice(96), { level: levels(96, 80) }));
      expect(again.json()).toEqual({
        status: 'Ok',
        outliers: [outliersAt('level', [times[96 + 80]])],
        skipped: { missing: 0, stale: 0, unknown: 0 },
      });
      expect((await app.inject({ url: `/stations/${id}` })).json().variables.level.samples).toBe(192);
    } finally {
      await app.close();
      await dir.remove();
    }
  });
});

describe('a state directory that cannot be read', () => {
  it.each(['0', '2'])(
    'answers 503, not 500, with %s station threads',
    { timeout: 30_000 },
    async (workers) => {
      const dir = await tempDir();
      // A file where the state directory should be: creating `stations/` under it fails.
      const stateDir = `${dir.path}/not-a-directory`;
      await writeFile(stateDir, '');
      const app = await buildApp(testConfig({ STATE_DIR: stateDir, STATION_WORKERS: workers }), {
        logger: pino({ level: 'silent' }),
      });
      try {
        await app.ready();
        const res = await app.inject({
          method: 'POST',
          url: '/initialize',
          payload: { id_estacio: 'ws_0', variables: { level: 64 } },
        });
        expect([res.statusCode, res.json().code]).toEqual([503, 'EXECUTOR_STATE_NOT_READY']);
        expect((await app.inject({ url: '/ready' })).statusCode).toBe(503);
      } finally {
        await app.close();
        await dir.remove();
      }
    },
  );
});

describe('stations on the event loop (STATION_WORKERS=0)', () => {
  /** The replies to one sequence of calls, creation and update times left out (the clock differs between runs). */
  async function callSequence(env: Record<string, string>): Promise<unknown[]> {
    const dir = await tempDir();
    const app = await startApp(testConfig({ STATE_DIR: dir.path, ...env }));
    try {
      const times = timestamps(16);
      const requests = [
        { method: 'POST', url: '/initialize', payload: { id_estacio: 'a', variables: { v: 8 } } },
        { method: 'POST', url: '/initialize', payload: { id_estacio: 'b', variables: { v: 8, w: 8 } } },
        { method: 'POST', url: '/detection', payload: block('a', times, { v: times.map((_, i) => i * 20) }) },
        { method: 'POST', url: '/detection', payload: block('a', times, { v: times.map(() => 500) }) },
        { method: 'POST', url: '/detection', payload: block('b', times, { v: times.map(() => 1), u: [1] }) },
        { method: 'POST', url: '/detection', payload: block('nobody', times, { v: [1] }) },
        { method: 'POST', url: '/detection', payload: { id_estacio: 'a', numero_mostres: 3, mostres: [] } },
        { url: '/stations' },
        { url: '/stations/a' },
        { url: '/stations/a/outliers?limit=2' },
        { url: '/stations/nobody/outliers' },
      ] as const;
      const replies: unknown[] = [];
      for (const request of requests) {
        const res = await app.inject(request);
        replies.push([
          res.statusCode,
          JSON.parse(res.body, (key, value) =>
            key === 'createdAt' || key === 'updatedAt' ? undefined : value,
          ),
        ]);
      }
      return replies;
    } finally {
      await app.close();
      await dir.remove();
    }
  }

  it('answers every call as the station threads do', { timeout: 30_000 }, async () => {
    const threads = await callSequence({ STATION_WORKERS: '2' });
    expect(await callSequence({ STATION_WORKERS: '0' })).toEqual(threads);
    // The sequence reached detection, skips, errors and history.
    expect(threads.map((reply) => (reply as [number])[0])).toEqual([
      200, 200, 200, 200, 200, 404, 400, 200, 200, 200, 404,
    ]);
  });
});
