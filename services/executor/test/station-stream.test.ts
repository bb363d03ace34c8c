import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { block, outliersAt, startApp, tempDir, testConfig, timestamps } from './support/helpers.js';

let dir: { path: string; remove: () => Promise<void> };
let app: FastifyInstance;

beforeEach(async () => {
  dir = await tempDir();
  app = await startApp(testConfig({ STATE_DIR: dir.path }));
});
afterEach(async () => {
  await app.close();
  await dir.remove();
});

const init = (body: unknown) => app.inject({ method: 'POST', url: '/initialize', payload: body as object });
const detect = (body: unknown) => app.inject({ method: 'POST', url: '/detection', payload: body as object });

describe('POST /initialize and /detection', () => {
  it.each(['nested', 'flat'] as const)('flags the dates as sent, %s form', async (form) => {
    expect((await init({ id_estacio: 'station_1', variables: { var_1: 8, var_2: 8 } })).json()).toEqual({
      status: 'Ok',
    });
    const t = timestamps(8);
    const res = await detect(
      block('station_1', t, { var_1: [1, 2, 300, 4, 5, 6, 7, 8], var_2: [1, 1, 1, 1, 1, 1, 1, 150] }, form),
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'Ok',
      outliers: [outliersAt('var_1', [t[2]]), outliersAt('var_2', [t[7]])],
      skipped: { missing: 0, stale: 0, unknown: 0 },
    });
  });

  it('reports outliers of earlier blocks when a later block completes the window', async () => {
    await init({ id_estacio: 's', variables: { v: 8 } });
    const t = timestamps(16);
    const first = await detect(block('s', t.slice(0, 5), { v: [1, 500, 1, 1, 1] }));
    expect(first.json().outliers).toEqual([]);
    const second = await detect(block('s', t.slice(5, 15), { v: [1, 1, 1, 1, 1, 1, 1, 1, 1, 200] }));
    // The first window (samples 0..7) is scored by sample 7; the second one is not full yet.
    expect(second.json().outliers).toEqual([outliersAt('v', [t[1]])]);
  });

  it('answers the reference 404 for an unknown station', async () => {
    const res = await detect(block('nobody', timestamps(1), { v: [1] }));
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ status: 'Station not initialized' });
  });

  it('accepts ids with underscores, ISO timestamps and reports dates exactly as sent', async () => {
    await init({ id_estacio: 'río_1/a b', variables: { 'var_1.x': { window: 8 } } });
    const t = [
      '2021-01-01T00:00:00Z',
      '2021-01-01T01:00:00+01:00',
      '2021-01-01 00:30:00',
      '2021-01-01T00:45',
    ];
    const more = timestamps(4, 4);
    // t[1] equals t[0] as an instant, so it is stale; the rest increase.
    const res = await detect(
      block('río_1/a b', [...t, ...more], { 'var_1.x': [1, 999, 1, 150, 1, 1, 1, 1] }),
    );
    expect(res.json().skipped).toEqual({ missing: 0, stale: 1, unknown: 0 });
    const next = await detect(block('río_1/a b', timestamps(1, 8), { 'var_1.x': [1] }));
    expect(next.json().outliers).toEqual([outliersAt('var_1.x', ['2021-01-01T00:45'])]);
  });

  it('skips and counts missing values without advancing the detector', async () => {
    await init({ id_estacio: 's', variables: { a: 8, b: 8 } });
    const t = timestamps(10);
    const res = await detect(
      block('s', t, { a: [1, null, 1, 1, 1, 1, 1, 1, 1, 100], b: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], c: [5] }),
    );
    // a has 9 values: its first window holds samples 0,2..8 (no outlier); sample 9 opens the next window.
    expect(res.json()).toMatchObject({ outliers: [], skipped: { missing: 1, stale: 0, unknown: 1 } });
    const absent = block('s', timestamps(1, 10), { b: [1] });
    expect((await detect(absent)).json().skipped).toEqual({ missing: 1, stale: 0, unknown: 0 });
    const detail = (await app.inject({ url: '/stations/s' })).json();
    expect(detail.variables.a).toMatchObject({ samples: 9, missing: 2, pending: 1 });
    expect(detail.variables.b).toMatchObject({ samples: 11, missing: 0, pending: 3 });
    expect(detail.unknown).toBe(1);
  });

  it('ignores re-sent blocks: no duplicate outliers', async () => {
    await init({ id_estacio: 's', variables: { v: 8 } });
    const body = block('s', timestamps(8), { v: [1, 1, 1, 120, 1, 1, 1, 1] });
    expect((await detect(body)).json().outliers).toEqual([outliersAt('v', [timestamps(8)[3]])]);
    const again = (await detect(body)).json();
    expect(again.outliers).toEqual([]);
    expect(again.skipped.stale).toBe(8);
    const page = await app.inject({ url: '/stations/s/outliers' });
    expect(page.json()).toMatchObject({
      outliers: [{ n: 0, block: 1, variable: 'v', date: timestamps(8)[3] }],
    });
  });

  it('re-initialising keeps unchanged variables, restarts changed ones and drops removed ones', async () => {
    await init({ id_estacio: 's', variables: { keep: 8, change: 8, drop: 8 } });
    await detect(block('s', timestamps(4), { keep: [1, 1, 1, 1], change: [1, 1, 1, 1], drop: [1, 1, 1, 1] }));
    await init({ id_estacio: 's', variables: { keep: { window: 8 }, change: 16 } });
    const detail = (await app.inject({ url: '/stations/s' })).json();
    expect(Object.keys(detail.variables)).toEqual(['keep', 'change']);
    expect(detail.variables.keep.samples).toBe(4);
    expect(detail.variables.change.samples).toBe(0);
    expect(detail.variables.change.options.window).toBe(16);
  });

  it('applies concurrent requests to one station in arrival order', async () => {
    await init({ id_estacio: 's', variables: { v: 8 } });
    const t = timestamps(80);
    const values = t.map((_, i) => (i % 9 === 4 ? 300 : 1));
    const bodies = Array.from({ length: 20 }, (_, k) =>
      block('s', t.slice(k * 4, k * 4 + 4), { v: values.slice(k * 4, k * 4 + 4) }),
    );
    const replies = await Promise.all(bodies.map((b) => detect(b)));
    const flagged = replies.flatMap((r) => r.json().outliers.flatMap((o: { dates: string[] }) => o.dates));
    expect(flagged).toEqual(t.filter((_, i) => i % 9 === 4));
    expect(replies.every((r) => r.json().skipped.stale === 0)).toBe(true);
  });

  it('continues after a restart exactly like an uninterrupted run', async () => {
    await init({ id_estacio: 's', variables: { v: 8 } });
    const t = timestamps(12);
    await detect(block('s', t.slice(0, 5), { v: [1, 1, 700, 1, 1] }));
    await app.close();
    app = await startApp(testConfig({ STATE_DIR: dir.path }));
    const res = await detect(block('s', t.slice(5), { v: [1, 1, 1, 1, 1, 1, 1] }));
    expect(res.json().outliers).toEqual([outliersAt('v', [t[2]])]);
    expect((await app.inject({ url: '/ready' })).json()).toEqual({ status: 'ready', stations: 1 });
  });
});
