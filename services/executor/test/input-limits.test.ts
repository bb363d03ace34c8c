import { readdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { appPerTest, block, postJsonText, tempDir, timestamps } from './support/helpers.js';

/**
 * The configured limits of issue #16 (MAX_VARIABLES_PER_STATION, MAX_ID_LENGTH, MAX_SAMPLES_PER_BLOCK,
 * BODY_LIMIT_STATION): one over is a 400 naming the limit and the field and changes nothing; exactly at it is
 * accepted. A /detection block is read where it is detected, so both modes are tried: station threads and the
 * event loop.
 */
const { start } = appPerTest();

const initialize = (app: FastifyInstance, id: string, names: readonly string[]) =>
  app.inject({
    method: 'POST',
    url: '/initialize',
    payload: { id_estacio: id, variables: Object.fromEntries(names.map((n) => [n, 8])) },
  });
const detection = (app: FastifyInstance, body: object) =>
  app.inject({ method: 'POST', url: '/detection', payload: body });
const names = (count: number) => Array.from({ length: count }, (_, i) => `v${i}`);

describe.each([
  ['station threads', '2'],
  ['the event loop', '0'],
])('limits, stations on %s', (_, workers) => {
  const startWith = (env: Record<string, string>) => start({ STATION_WORKERS: workers, ...env });

  it('MAX_VARIABLES_PER_STATION: /initialize with one more is a 400 naming it, a re-initialisation too', async () => {
    const app = await startWith({ MAX_VARIABLES_PER_STATION: '3' });
    expect((await initialize(app, 's', names(3))).statusCode).toBe(200);
    const over = await initialize(app, 's', names(4));
    expect(over.statusCode).toBe(400);
    expect(over.json().message).toBe(
      'variables: Expected an object of 1 to 3 variables (MAX_VARIABLES_PER_STATION = 3)',
    );
    expect(Object.keys((await app.inject({ url: '/stations/s' })).json().variables)).toEqual(names(3));
    expect((await initialize(app, 'new', names(4))).statusCode).toBe(400);
    expect((await app.inject({ url: '/stations/new' })).statusCode).toBe(404);
  });

  it('MAX_ID_LENGTH: a longer id is a 400 naming it on every route; the router refuses a longer parameter', async () => {
    const app = await startWith({ MAX_ID_LENGTH: '8' });
    const message = 'id_estacio: Expected a string of 1 to 8 UTF-16 code units (MAX_ID_LENGTH = 8)';
    const longest = '水'.repeat(8); // 8 code units, 72 characters as a URL parameter
    expect((await initialize(app, longest, ['v'])).statusCode).toBe(200);
    expect((await detection(app, block(longest, timestamps(1), { v: [1] }))).statusCode).toBe(200);
    expect((await app.inject({ url: `/stations/${encodeURIComponent(longest)}` })).statusCode).toBe(200);

    const over = `${longest}x`;
    for (const res of [await initialize(app, over, ['v']), await detection(app, block(over, [], {}))]) {
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toBe(message);
    }
    const param = await app.inject({ url: `/stations/${'x'.repeat(9)}` });
    expect(param.statusCode).toBe(400);
    expect(param.json().message).toBe(`params.id: ${message.slice('id_estacio: '.length)}`);
    expect((await app.inject({ url: `/stations/${'x'.repeat(73)}` })).statusCode).toBe(414);
  });

  it('MAX_SAMPLES_PER_BLOCK: a block with one more sample is a 400 naming it, in either form, and applies nothing', async () => {
    const app = await startWith({ MAX_SAMPLES_PER_BLOCK: '3' });
    await initialize(app, 's', ['v']);
    for (const form of ['nested', 'flat'] as const) {
      const res = await detection(app, block('s', timestamps(4), { v: [1, 2, 3, 4] }, form));
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toBe(
        'mostres: Expected an array of at most 3 samples (MAX_SAMPLES_PER_BLOCK = 3)',
      );
    }
    // ISO timestamps take the schema's way through the reader, the contract's form its fast way.
    const iso = timestamps(4).map((t) => `${t.replace(' ', 'T')}Z`);
    expect((await detection(app, block('s', iso, { v: [1, 2, 3, 4] }))).statusCode).toBe(400);
    expect((await app.inject({ url: '/stations/s' })).json()).toMatchObject({ blocks: 0 });
    expect((await detection(app, block('s', timestamps(3), { v: [1, 2, 3] }))).statusCode).toBe(200);
    expect((await app.inject({ url: '/stations/s' })).json().variables.v).toMatchObject({ samples: 3 });
  });

  it('BODY_LIMIT_STATION: a body one byte over is a 400 naming it, one of exactly that size is accepted', async () => {
    const limit = 2048;
    const app = await startWith({ BODY_LIMIT_STATION: String(limit) });
    const ofSize = (body: object, size: number) => {
      const text = JSON.stringify(body);
      return `${text}${' '.repeat(size - Buffer.byteLength(text))}`;
    };
    const init = { id_estacio: 's', variables: { v: 8 } };
    const samples = block('s', timestamps(2), { v: [1, 2] });
    for (const [url, body] of [
      ['/initialize', init],
      ['/detection', samples],
    ] as const) {
      expect((await postJsonText(app, url, ofSize(body, limit))).statusCode).toBe(200);
      const over = await postJsonText(app, url, ofSize(body, limit + 1));
      expect(over.statusCode).toBe(400);
      expect(over.json()).toMatchObject({
        code: 'EXECUTOR_BODY_TOO_LARGE',
        message: `body: larger than the body limit (BODY_LIMIT_STATION = ${limit} bytes)`,
      });
    }
  });

  it('one /initialize of 40,000 variables (issue #16) answers 400 naming the limit and leaves no state', async () => {
    const dir = await tempDir();
    try {
      const app = await startWith({ STATE_DIR: dir.path });
      const before = await readdir(dir.path, { recursive: true });
      const res = await initialize(app, 'huge', names(40_000));
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/^variables: .*\(MAX_VARIABLES_PER_STATION = 256\)$/);
      expect((await app.inject({ url: '/stations/huge' })).statusCode).toBe(404);
      expect(await readdir(dir.path, { recursive: true })).toEqual(before);
    } finally {
      await dir.remove();
    }
  });
});
