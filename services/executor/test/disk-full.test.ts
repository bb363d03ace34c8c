/**
 * A disk that fills up mid-stream and is freed again, on a real (tmpfs) file system: while it is full, blocks are
 * answered 503 and nothing is applied; afterwards every station is known, every history line parses, and every
 * outlier delivered to the data server is in its station's history. Needs the right to mount a tmpfs (root).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  block,
  initializeStations,
  Receiver,
  startApp,
  tempDir,
  testConfig,
  timestamps,
} from './support/helpers.js';

const STATIONS = Array.from({ length: 8 }, (_, i) => `st-${i}`);
const BLOCKS = 60;

let dir: Awaited<ReturnType<typeof tempDir>>;
let mount = '';
const mounted = (() => {
  try {
    execFileSync('mount', ['--version'], { stdio: 'ignore' });
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
})();

beforeAll(async () => {
  dir = await tempDir();
  if (!mounted) return;
  mount = join(dir.path, 'state');
  mkdirSync(mount);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
});
afterAll(async () => {
  if (mount) execFileSync('umount', [mount]);
  await dir.remove();
});

/** Fills the file system until a write fails; returns the filler's path. */
function fill(): string {
  const filler = join(mount, 'filler');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) {
      writeFileSync(filler, chunk, { flag: 'a' });
    }
  } catch {
    return filler; // ENOSPC
  }
}

/** A block with a value over the threshold detector's limit every fourth sample: outliers, and history. */
const blockOf = (station: string, k: number) =>
  block(station, timestamps(8, k * 8), {
    v: Array.from({ length: 8 }, (_, i) => ((k * 8 + i) % 4 === 0 ? 500 : 1)),
  });

describe.skipIf(!mounted)('a full disk', () => {
  it('answers 503 while full, then loses no station, history line or delivered outlier', async () => {
    const receiver = new Receiver();
    await receiver.start();
    const config = testConfig({ STATE_DIR: mount, STATION_WORKERS: '0', DATA_SERVER_ENDPOINT: receiver.url });
    let app: FastifyInstance = await startApp(config);
    await initializeStations(app, STATIONS);
    const statuses = new Map<number, number>();
    let filler = '';
    const next = new Map(STATIONS.map((id) => [id, 0]));
    for (let round = 0; round < BLOCKS; round++) {
      if (round === 15) filler = fill();
      if (round === 40) rmSync(filler);
      for (const id of STATIONS) {
        const k = next.get(id)!;
        const res = await app.inject({ method: 'POST', url: '/detection', payload: blockOf(id, k) });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        expect([200, 503]).toContain(res.statusCode);
        if (res.statusCode === 200) next.set(id, k + 1);
      }
    }
    expect(statuses.get(503)).toBeGreaterThan(0);
    expect(statuses.get(200)).toBeGreaterThan(STATIONS.length * 20);

    await app.close();
    app = await startApp(config);
    try {
      const delivered = new Set<string>();
      for (const request of receiver.requests) {
        if (request.path !== '/outliers') continue;
        for (const entry of request.body as { id_estacio: string; variable: string; dates: string[] }[]) {
          for (const date of entry.dates) delivered.add(`${entry.id_estacio}|${entry.variable}|${date}`);
        }
      }
      const history = new Set<string>();
      for (const id of STATIONS) {
        expect((await app.inject({ method: 'GET', url: `/stations/${id}` })).statusCode).toBe(200);
        const page = await app.inject({ method: 'GET', url: `/stations/${id}/outliers?limit=10000` });
        expect(page.statusCode).toBe(200);
        for (const o of page.json<{ outliers: { variable: string; date: string }[] }>().outliers) {
          history.add(`${id}|${o.variable}|${o.date}`);
        }
      }
      expect(delivered.size).toBeGreaterThan(0);
      expect([...delivered].filter((d) => !history.has(d))).toEqual([]);
    } finally {
      await app.close();
      await receiver.stop();
    }
  }, 60_000);
});
