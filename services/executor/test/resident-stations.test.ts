import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StationService } from '../src/station/station-service.js';
import { block, outliersAt, startApp, tempDir, testConfig, timestamps } from './support/helpers.js';

let dir: { path: string; remove: () => Promise<void> };
const apps: FastifyInstance[] = [];
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  await dir.remove();
});

/**
 * On the event loop: residency is a StationService's own count, and threads would each keep their share of
 * MAX_RESIDENT_STATIONS.
 */
async function start(env: Record<string, string>, stateDir: string): Promise<FastifyInstance> {
  const app = await startApp(testConfig({ STATE_DIR: stateDir, STATION_WORKERS: '0', ...env }));
  apps.push(app);
  return app;
}

const STATIONS = ['a', 'b', 'c', 'd', 'e'];
const t = timestamps(60);
/** Station k spikes at samples where (i + k) % 7 === 3; blocks of 6 never align with the window of 8. */
const values = (k: number) => t.map((_, i) => ((i + k) % 7 === 3 ? 400 : 1));

/** Interleaves 10 blocks over the stations and returns every /detection answer, in order. */
async function run(app: FastifyInstance): Promise<unknown[]> {
  for (const id of STATIONS) {
    await app.inject({
      method: 'POST',
      url: '/initialize',
      payload: { id_estacio: id, variables: { v: 8 } },
    });
  }
  const answers: unknown[] = [];
  for (let k = 0; k < 10; k++) {
    for (const [s, id] of STATIONS.entries()) {
      const res = await app.inject({
        method: 'POST',
        url: '/detection',
        payload: block(id, t.slice(k * 6, k * 6 + 6), { v: values(s).slice(k * 6, k * 6 + 6) }),
      });
      expect(res.statusCode).toBe(200);
      answers.push(res.json());
    }
  }
  return answers;
}

describe('stations beyond MAX_RESIDENT_STATIONS', () => {
  it('are dropped from memory when idle and restored on use, with the same answers as all resident', async () => {
    const unlimited = await run(await start({ MAX_RESIDENT_STATIONS: '0' }, `${dir.path}/all`));
    const app = await start({ MAX_RESIDENT_STATIONS: '2' }, `${dir.path}/capped`);
    expect(await run(app)).toEqual(unlimited);
    expect(unlimited.some((a) => (a as { outliers: unknown[] }).outliers.length > 0)).toBe(true);
    expect((app.stations as StationService).residentCount).toBe(2);

    // Listing restores nothing; the detail and the history of a dropped station restore it.
    const list = (await app.inject({ url: '/stations' })).json();
    expect(list.total).toBe(5);
    expect(
      list.stations.map((s: { id_estacio: string; blocks: number }) => [s.id_estacio, s.blocks]),
    ).toEqual(STATIONS.map((id) => [id, 10]));
    expect((app.stations as StationService).residentCount).toBe(2);
    const detail = (await app.inject({ url: '/stations/a' })).json();
    expect(detail.variables.v.samples).toBe(60);
    const history = (await app.inject({ url: '/stations/b/outliers' })).json();
    expect(history.outliers.map((o: { date: string }) => o.date)).toEqual(
      t.filter((_, i) => (i + 1) % 7 === 3 && i < 56),
    );
    expect((app.stations as StationService).residentCount).toBe(2);
  });

  it('restores nothing at startup: the index lists every station and a block restores its station', async () => {
    const first = await start({}, dir.path);
    const answers = await run(first);
    await first.close();
    apps.length = 0;

    const app = await start({}, dir.path);
    expect((await app.inject({ url: '/ready' })).json()).toEqual({ status: 'ready', stations: 5 });
    expect((app.stations as StationService).residentCount).toBe(0);
    expect((await app.inject({ url: '/stations' })).json().total).toBe(5);
    expect((app.stations as StationService).residentCount).toBe(0);
    // The next block continues where station c stood: it completes the window 56..63, whose spike is sample 57.
    const next = await app.inject({
      method: 'POST',
      url: '/detection',
      payload: block('c', timestamps(4, 60), { v: [1, 1, 1, 1] }),
    });
    expect(next.json().outliers).toEqual([outliersAt('v', [t[57]])]);
    expect((app.stations as StationService).residentCount).toBe(1);
    expect(answers).toHaveLength(50);
  });
});
