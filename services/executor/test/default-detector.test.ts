import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { block, Receiver, tempDir, testConfig, timestamps } from './support/helpers.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let receiver: Receiver;
const apps: FastifyInstance[] = [];
beforeEach(async () => {
  dir = await tempDir();
  receiver = new Receiver();
  await receiver.start();
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  await receiver.stop();
  await dir.remove();
});

/**
 * The app with the detectors of @outliers/core (or of the `detectors` module), its log lines collected. Station
 * threads log through a logger of their own: a test that reads the stations' lines sets STATION_WORKERS to 0.
 */
async function start({ detectors, env = {} }: { detectors?: string; env?: Record<string, string> } = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const config = testConfig({
    STATE_DIR: dir.path,
    DATA_SERVER_ENDPOINT: `${receiver.url}/`,
    OUTBOX_ACK_FLUSH_MS: '20',
    ...env,
  });
  const app = await buildApp(config, {
    ...(detectors ? { detectors } : {}),
    logger: pino({ level: 'info' }, sink),
  });
  await app.ready();
  await app.stations.load();
  apps.push(app);
  return { app, lines };
}

async function post(app: FastifyInstance, url: string, payload: object) {
  const res = await app.inject({ method: 'POST', url, payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** A river level at 15-minute samples: a daily cycle and a little noise, to three decimals. */
function level(count: number, start = 0): number[] {
  return Array.from({ length: count }, (_, k) => {
    const i = start + k;
    return (
      Math.round((1 + 0.05 * Math.sin((2 * Math.PI * i) / 96) + 0.002 * Math.sin(i * 7.3)) * 1000) / 1000
    );
  });
}

describe('the default detector through the station API', () => {
  it('tells why, what it expected and the band it accepted, and keeps the data-server payload as it was', async () => {
    const { app } = await start();
    await post(app, '/initialize', { id_estacio: 'river', variables: { level: 16 } });
    const t = timestamps(400);
    const values = level(400);
    values[360] = 3; // a spike
    const reply = await post(app, '/detection', block('river', t, { level: values }));
    expect(reply.outliers).toHaveLength(1);
    const [group] = reply.outliers;
    expect(group.dates).toContain(t[360]);
    const point = group.points[group.dates.indexOf(t[360])];
    expect(point).toMatchObject({ date: t[360], reason: expect.stringMatching(/^(spike|range)$/) });
    expect(point.score).toBeGreaterThanOrEqual(0);
    expect(point.expected).toBeCloseTo(values[359]!, 1);
    expect(point.band[0]).toBeLessThan(point.expected);
    expect(point.band[1]).toBeLessThan(3);

    const history = (await app.inject({ url: '/stations/river/outliers' })).json().outliers;
    expect(history.find((h: { date: string }) => h.date === t[360])).toMatchObject({
      variable: 'level',
      reason: point.reason,
      expected: point.expected,
      band: point.band,
    });

    await receiver.waitFor((r) => r.some((x) => x.path === '/outliers'));
    const delivered = receiver.requests.find((r) => r.path === '/outliers')!.body as Array<object>;
    for (const entry of delivered)
      expect(Object.keys(entry).sort()).toEqual(['dates', 'id_estacio', 'station_id', 'variable']);
  });

  it('restarts a detector saved by the previous release from its options, with a log line, never a 500', async () => {
    const { app: before } = await start({
      detectors: new URL('./support/previous-release-detectors.ts', import.meta.url).href,
    });
    await post(before, '/initialize', { id_estacio: 'st', variables: { v: 64 } });
    const t = timestamps(400);
    await post(before, '/detection', block('st', t.slice(0, 300), { v: level(300) }));
    const history = (await before.inject({ url: '/stations/st/outliers' })).json().outliers;
    await before.close();
    apps.splice(apps.indexOf(before), 1);

    const { app: after, lines } = await start({ env: { STATION_WORKERS: '0' } });
    const res = await after.inject({
      method: 'POST',
      url: '/detection',
      payload: block('st', t.slice(290, 400), { v: level(110, 290) }),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().skipped.stale).toBe(10);
    expect(lines).toContainEqual(
      expect.objectContaining({
        station: 'st',
        variable: 'v',
        msg: 'detector state not restorable by this release; detector restarted from its options',
      }),
    );
    const detail = (await after.inject({ url: '/stations/st' })).json();
    expect(detail.variables.v).toMatchObject({ detector: 'default', samples: 100, lastTimestamp: t[399] });
    expect((await after.inject({ url: '/stations/st/outliers' })).json().outliers).toEqual(history);
  });
});
