import { afterEach, beforeEach, expect, it } from 'vitest';
import { block, startApp, tempDir, testConfig, timestamps } from './support/helpers.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(() => dir.remove());

it('an upgrade that cannot read saved detector states restarts those detectors and keeps the station', async () => {
  const t = timestamps(30);
  const config = testConfig({ STATE_DIR: dir.path });
  const before = await startApp(config);
  await before.inject({
    method: 'POST',
    url: '/initialize',
    payload: { id_estacio: 'st', variables: { v: 8 } },
  });
  const first = await before.inject({
    method: 'POST',
    url: '/detection',
    payload: block('st', t.slice(0, 20), { v: t.slice(0, 20).map((_, i) => (i === 12 ? 500 : 1)) }),
  });
  expect(first.json().outliers).not.toEqual([]);
  const history = (await before.inject({ url: '/stations/st/outliers' })).json();
  await before.close();

  const after = await startApp(config, {
    detectors: new URL('./support/next-release-detectors.ts', import.meta.url).href,
  });
  // Re-sent samples are still recognised (the last timestamp survived), new ones are processed.
  const resent = await after.inject({
    method: 'POST',
    url: '/detection',
    payload: block('st', t.slice(10, 30), { v: t.slice(10, 30).map(() => 1) }),
  });
  expect(resent.statusCode).toBe(200);
  expect(resent.json().skipped.stale).toBe(10);
  const detail = (await after.inject({ url: '/stations/st' })).json();
  expect(detail.variables.v.lastTimestamp).toBe(t[29]);
  expect(detail.variables.v.options.window).toBe(8);
  expect((await after.inject({ url: '/stations/st/outliers' })).json().outliers).toEqual(history.outliers);
  await after.close();
});
