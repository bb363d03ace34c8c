/**
 * Seeded station streams replayed against executors in the crash and failover tests, and what an uninterrupted
 * executor makes of them: each test checks that an interrupted run ends with the same outliers.
 */
import { expect } from 'vitest';
import { block, type Received, startApp, tempDir, testConfig, timestamps } from './helpers.js';

export const STATIONS = ['st_1', 'st_2', 'st_3'];
export const BLOCK = 40;
export const BLOCKS = 15;

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

/** Block `k` of station number `station`. */
export function blockBody(station: number, k: number) {
  const slice = (v: number) => series(station, v).slice(k * BLOCK, (k + 1) * BLOCK);
  return block(STATIONS[station]!, times.slice(k * BLOCK, (k + 1) * BLOCK), {
    a: slice(0),
    b: slice(1),
    c: slice(2),
  });
}

export const initBody = (station: number) => ({
  id_estacio: STATIONS[station]!,
  // The default detector (its state round-trips exactly through JSON), plus the reference kind.
  variables: {
    a: { window: 48 },
    b: { window: 32 },
    c: { window: 40, detector: 'reference', mode: 'kalman' },
  },
});

export interface HistoryOutlier {
  variable: string;
  date: string;
  score: number;
}

export async function post(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, json: await res.json() };
}

export async function history(url: string, station: string): Promise<HistoryOutlier[]> {
  const res = await fetch(`${url}/stations/${encodeURIComponent(station)}/outliers?limit=10000`);
  const page = (await res.json()) as { outliers: HistoryOutlier[] };
  return page.outliers.map(({ variable, date, score }) => ({ variable, date, score }));
}

/** Each station's outlier history after the whole streams, from one uninterrupted executor in this process. */
export async function uninterruptedHistories(): Promise<Map<string, HistoryOutlier[]>> {
  const dir = await tempDir();
  const app = await startApp(testConfig({ STATE_DIR: dir.path }), {});
  try {
    const histories = new Map<string, HistoryOutlier[]>();
    for (let s = 0; s < STATIONS.length; s++) {
      await app.inject({ method: 'POST', url: '/initialize', payload: initBody(s) });
      for (let k = 0; k < BLOCKS; k++)
        await app.inject({ method: 'POST', url: '/detection', payload: blockBody(s, k) });
      const page = (await app.inject({ url: `/stations/${STATIONS[s]}/outliers?limit=10000` })).json() as {
        outliers: HistoryOutlier[];
      };
      histories.set(
        STATIONS[s]!,
        page.outliers.map(({ variable, date, score }) => ({ variable, date, score })),
      );
    }
    return histories;
  } finally {
    await app.close();
    await dir.remove();
  }
}

/**
 * The `variable@date` of every outlier delivered for each station, once per Idempotency-Key; asserts that a
 * repeated key always carried the same body (repeats are allowed, under the same key only).
 */
export function deliveredOutliers(requests: readonly Received[]): Map<string, string[]> {
  const byKey = new Map<string, string>();
  for (const r of requests) {
    const body = JSON.stringify(r.body);
    const key = String(r.headers['idempotency-key']);
    expect(byKey.get(key) ?? body).toBe(body);
    byKey.set(key, body);
  }
  const delivered = new Map<string, string[]>(STATIONS.map((station) => [station, []]));
  for (const body of byKey.values()) {
    const entries = JSON.parse(body) as unknown;
    if (!Array.isArray(entries)) continue;
    for (const d of entries as { station_id: string; variable: string; dates: string[] }[])
      delivered.get(d.station_id)?.push(...d.dates.map((date) => `${d.variable}@${date}`));
  }
  for (const dates of delivered.values()) dates.sort();
  return delivered;
}

/** The `variable@date` of each station's history, in the order deliveredOutliers gives. */
export function asDelivered(histories: Map<string, HistoryOutlier[]>): Map<string, string[]> {
  return new Map(
    [...histories].map(([station, outliers]) => [
      station,
      outliers.map((e) => `${e.variable}@${e.date}`).sort(),
    ]),
  );
}
