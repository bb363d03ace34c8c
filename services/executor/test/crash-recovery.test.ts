import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild } from './support/child-executor.js';
import { block, Receiver, startApp, tempDir, testConfig, timestamps } from './support/helpers.js';

const STATIONS = ['st_1', 'st_2', 'st_3'];
const BLOCK = 40;
const BLOCKS = 15;

/** Seeded stream per station: two noisy cycles with spikes, some missing values. */
function series(station: number, variable: number): (number | null)[] {
  let s = 1234 + station * 7 + variable * 13;
  const rand = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: BLOCK * BLOCKS }, (_, i) => {
    if (rand() < 0.01) return null;
    const spike = i % 97 === 50 + station ? 40 : 0;
    return 10 * Math.sin((2 * Math.PI * i) / 96) + rand() + spike + variable;
  });
}

const times = timestamps(BLOCK * BLOCKS);
function blockBody(station: number, k: number) {
  const slice = (v: number) => series(station, v).slice(k * BLOCK, (k + 1) * BLOCK);
  return block(STATIONS[station]!, times.slice(k * BLOCK, (k + 1) * BLOCK), {
    a: slice(0),
    b: slice(1),
    c: slice(2),
  });
}
const initBody = (station: number) => ({
  id_estacio: STATIONS[station]!,
  // The default detector (its state round-trips exactly through JSON), plus the reference kind.
  variables: {
    a: { window: 48 },
    b: { window: 32 },
    c: { window: 40, detector: 'reference', mode: 'kalman' },
  },
});

async function post(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, json: await res.json() };
}

async function history(url: string, station: string) {
  const res = await fetch(`${url}/stations/${encodeURIComponent(station)}/outliers?limit=10000`);
  const page = (await res.json()) as { outliers: { variable: string; date: string; score: number }[] };
  return page.outliers.map(({ variable, date, score }) => ({ variable, date, score }));
}

describe('kill -9 mid-stream', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = new Receiver();
    await receiver.start();
  });
  afterAll(() => receiver.stop());

  it('continues after a restart with the same outliers as an uninterrupted run', {
    timeout: 120_000,
  }, async () => {
    // Uninterrupted run, in this process.
    const cleanDir = await tempDir();
    const clean = await startApp(testConfig({ STATE_DIR: cleanDir.path }), {});
    const expected = new Map<string, { variable: string; date: string; score: number }[]>();
    for (let s = 0; s < STATIONS.length; s++) {
      await clean.inject({ method: 'POST', url: '/initialize', payload: initBody(s) });
      for (let k = 0; k < BLOCKS; k++)
        await clean.inject({ method: 'POST', url: '/detection', payload: blockBody(s, k) });
      const page = (await clean.inject({ url: `/stations/${STATIONS[s]}/outliers?limit=10000` })).json();
      expected.set(
        STATIONS[s]!,
        page.outliers.map(({ variable, date, score }: { variable: string; date: string; score: number }) => ({
          variable,
          date,
          score,
        })),
      );
    }
    await clean.close();
    await cleanDir.remove();
    // Both kinds flag something, so the comparison below checks the default detector's restored state too.
    const flagged = new Set([...expected.values()].flat().map((e) => e.variable));
    expect([...flagged].sort()).toEqual(['a', 'b', 'c']);

    // Interrupted run: a child process killed with SIGKILL while requests are in flight, then restarted.
    const dir = await tempDir();
    // Stations in two worker threads, then, after the crash, in one: the state on disk does not depend on them.
    const env = { STATE_DIR: dir.path, DATA_SERVER_ENDPOINT: receiver.url, OUTBOX_ACK_FLUSH_MS: '50' };
    let { child, url } = await startChild({ ...env, STATION_WORKERS: '2' });
    const acknowledged = STATIONS.map(() => -1);
    for (let s = 0; s < STATIONS.length; s++)
      expect((await post(`${url}/initialize`, initBody(s))).status).toBe(200);
    const killAt = 7;
    for (let k = 0; k <= killAt; k++) {
      await Promise.all(
        STATIONS.map(async (_, s) => {
          if (k === killAt) {
            // In flight when the process dies: may or may not have been committed.
            void post(`${url}/detection`, blockBody(s, k)).catch(() => undefined);
            return;
          }
          const res = await post(`${url}/detection`, blockBody(s, k));
          if (res.status === 200) acknowledged[s] = k;
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    ({ child, url } = await startChild({ ...env, STATION_WORKERS: '1' }));
    try {
      // The client re-sends from its first unacknowledged block (and one acknowledged one again).
      for (let s = 0; s < STATIONS.length; s++) {
        for (let k = acknowledged[s]!; k < BLOCKS; k++) {
          expect((await post(`${url}/detection`, blockBody(s, k))).status).toBe(200);
        }
      }
      for (const station of STATIONS) expect(await history(url, station)).toEqual(expected.get(station));

      // Every outlier reached the data server; repeats only under the same Idempotency-Key.
      await receiver.waitFor(
        (r) => r.filter((x) => x.path === '/outliers/validate').length >= STATIONS.length * BLOCKS,
        15_000,
      );
      const byKey = new Map<string, string>();
      for (const r of receiver.requests) {
        const body = JSON.stringify(r.body);
        const key = String(r.headers['idempotency-key']);
        expect(byKey.get(key) ?? body).toBe(body);
        byKey.set(key, body);
      }
      const delivered = [...byKey.values()]
        .map((b) => JSON.parse(b))
        .filter(Array.isArray)
        .flat() as { station_id: string; variable: string; dates: string[] }[];
      for (const station of STATIONS) {
        const got = delivered
          .filter((d) => d.station_id === station)
          .flatMap((d) => d.dates.map((date) => `${d.variable}@${date}`));
        expect(got.sort()).toEqual(
          expected
            .get(station)!
            .map((e) => `${e.variable}@${e.date}`)
            .sort(),
        );
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await dir.remove();
    }
  });
});
