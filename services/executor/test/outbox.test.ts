import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { block, Receiver, startApp, tempDir, testConfig, timestamps } from './support/helpers.js';

let dir: { path: string; remove: () => Promise<void> };
let receiver: Receiver;
let app: FastifyInstance | undefined;

beforeEach(async () => {
  dir = await tempDir();
  receiver = new Receiver();
  await receiver.start();
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  await receiver.stop();
  await dir.remove();
});

const config = () =>
  testConfig({ STATE_DIR: dir.path, DATA_SERVER_ENDPOINT: `${receiver.url}/`, OUTBOX_ACK_FLUSH_MS: '20' });

async function post(url: string, payload: object) {
  const res = await app!.inject({ method: 'POST', url, payload });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('results to the data server', () => {
  it.each(['nested', 'flat'] as const)(
    'posts outliers with both key spellings, then validate (%s form)',
    async (form) => {
      app = await startApp(config());
      await post('/initialize', { id_estacio: 'station_1', variables: { var_1: 8 } });
      const t = timestamps(12);
      await post(
        '/detection',
        block('station_1', t.slice(0, 8), { var_1: [1, 1, 1, 1, 1, 100, 1, 1] }, form),
      );
      await post('/detection', block('station_1', t.slice(8), { var_1: [1, 1, 1, 1] }, form));
      await receiver.waitFor((r) => r.length === 3);
      expect(receiver.requests.map((r) => [r.path, r.body])).toEqual([
        [
          '/outliers',
          [{ id_estacio: 'station_1', station_id: 'station_1', variable: 'var_1', dates: [t[5]] }],
        ],
        ['/outliers/validate', { id_estacio: 'station_1', station_id: 'station_1' }],
        ['/outliers/validate', { id_estacio: 'station_1', station_id: 'station_1' }],
      ]);
      const keys = receiver.requests.map((r) => r.headers['idempotency-key']);
      expect(new Set(keys).size).toBe(3);
      expect(receiver.requests.every((r) => r.headers['content-type'] === 'application/json')).toBe(true);
      // Delivered entries are removed from the stored outbox.
      await expect
        .poll(async () => (await app!.inject({ url: '/stations/station_1' })).json().outboxPending)
        .toBe(0);
    },
  );

  it('posts under the path of an endpoint that has one', async () => {
    app = await startApp(
      testConfig({ STATE_DIR: dir.path, DATA_SERVER_ENDPOINT: `${receiver.url}/data-server//` }),
    );
    await post('/initialize', { id_estacio: 'station_1', variables: { var_1: 8 } });
    const t = timestamps(8);
    await post('/detection', block('station_1', t, { var_1: [1, 1, 1, 1, 1, 100, 1, 1] }));
    await receiver.waitFor((r) => r.length === 2);
    expect(receiver.requests.map((r) => r.path)).toEqual([
      '/data-server/outliers',
      '/data-server/outliers/validate',
    ]);
  });

  it('delivers every outlier, in order, after an outage, duplicates only under the same key', async () => {
    await receiver.stop();
    app = await startApp(config());
    await post('/initialize', { id_estacio: 'a', variables: { v: 8 } });
    await post('/initialize', { id_estacio: 'b', variables: { v: 8 } });
    const t = timestamps(40);
    const values = t.map((_, i) => (i % 7 === 3 ? 500 : 1));
    for (let k = 0; k < 5; k++) {
      for (const id of ['a', 'b']) {
        const reply = await post(
          '/detection',
          block(id, t.slice(k * 8, k * 8 + 8), { v: values.slice(k * 8, k * 8 + 8) }),
        );
        expect(reply.status).toBe('Ok'); // the outage does not fail the client
      }
    }
    await new Promise((r) => setTimeout(r, 300)); // several failed attempts
    await receiver.start();
    await receiver.waitFor((r) => r.filter((x) => x.path === '/outliers/validate').length >= 10);
    for (const id of ['a', 'b']) {
      const mine = receiver.requests.filter(
        (r) =>
          (r.body as { station_id?: string }).station_id === id ||
          (Array.isArray(r.body) && r.body[0].station_id === id),
      );
      const dates = mine
        .filter((r) => r.path === '/outliers')
        .flatMap((r) => (r.body as { dates: string[] }[])[0]!.dates);
      expect(dates).toEqual(t.filter((_, i) => i % 7 === 3));
      // Per station order: each block's outliers precede its validate.
      expect(mine.map((r) => r.path)).toEqual(
        Array.from({ length: 5 }, () => ['/outliers', '/outliers/validate']).flat(),
      );
    }
    const byKey = new Map<string, string>();
    for (const r of receiver.requests) {
      const key = String(r.headers['idempotency-key']);
      const body = JSON.stringify(r.body);
      expect(byKey.get(key) ?? body).toBe(body);
      byKey.set(key, body);
    }
    expect(byKey.size).toBe(20);
  });

  it('keeps undelivered entries across a restart and delivers them then', async () => {
    await receiver.stop();
    app = await startApp(config());
    await post('/initialize', { id_estacio: 's', variables: { v: 8 } });
    const t = timestamps(8);
    await post('/detection', block('s', t, { v: [1, 1, 250, 1, 1, 1, 1, 1] }));
    await app.close();
    await receiver.start();
    app = await startApp(config());
    await receiver.waitFor((r) => r.length === 2);
    expect(receiver.requests[0]!.body).toEqual([
      { id_estacio: 's', station_id: 's', variable: 'v', dates: [t[2]] },
    ]);
  });

  it('keeps outliers readable without a data server', async () => {
    app = await startApp(testConfig({ STATE_DIR: dir.path }));
    await post('/initialize', { id_estacio: 's', variables: { v: 8 } });
    const t = timestamps(8);
    await post('/detection', block('s', t, { v: [1, 1, 250, 1, 1, 1, 1, 300] }));
    const page = (await app.inject({ url: '/stations/s/outliers?limit=1' })).json();
    expect(page).toEqual({
      outliers: [{ n: 0, block: 1, variable: 'v', date: t[2], score: 1 }],
      nextCursor: 1,
    });
    const next = (await app.inject({ url: `/stations/s/outliers?limit=1&cursor=${page.nextCursor}` })).json();
    expect(next).toEqual({
      outliers: [{ n: 1, block: 1, variable: 'v', date: t[7], score: 1 }],
      nextCursor: null,
    });
    expect((await app.inject({ url: '/stations/s' })).json().outboxPending).toBe(0);
    expect(receiver.requests).toEqual([]);
  });
});

describe('a data server that never answers', () => {
  it('times the attempt out and delivers on the retry', async () => {
    let calls = 0;
    const server = createServer((req, res) => {
      calls++;
      req.resume();
      // The first request hangs (no headers, ever); later ones are answered.
      if (calls > 1) req.on('end', () => res.end('{}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    app = await startApp(
      testConfig({
        STATE_DIR: dir.path,
        DATA_SERVER_ENDPOINT: `http://127.0.0.1:${port}`,
        OUTBOX_TIMEOUT_MS: '300',
      }),
    );
    try {
      await post('/initialize', { id_estacio: 's', variables: { v: 8 } });
      await post('/detection', block('s', timestamps(2), { v: [1, 1] }));
      await expect
        .poll(async () => (await app!.inject({ url: '/stations/s' })).json().outboxPending, { timeout: 5000 })
        .toBe(0);
      expect(calls).toBe(2);
    } finally {
      await app.close();
      app = undefined;
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
