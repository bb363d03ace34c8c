import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { block, postJsonText, startApp, tempDir, testConfig, timestamps } from './support/helpers.js';

let dir: { path: string; remove: () => Promise<void> };
let app: FastifyInstance;

beforeAll(async () => {
  dir = await tempDir();
  app = await startApp(testConfig({ STATE_DIR: dir.path, BODY_LIMIT: '4096' }));
  await app.inject({ method: 'POST', url: '/initialize', payload: { id_estacio: 's', variables: { v: 8 } } });
});
afterAll(async () => {
  await app.close();
  await dir.remove();
});

const good = () => block('s', timestamps(2), { v: [1, 2] });
const sample = (extra: object) => ({ id_estacio: 's', numero_mostres: 1, mostres: [extra] });

describe('bad input is a 400 naming the field', () => {
  it.each([
    ['no id_estacio', { variables: { v: 8 } }, 'id_estacio'],
    ['id_estacio not a string', { id_estacio: 7, variables: { v: 8 } }, 'id_estacio'],
    ['empty id_estacio', { id_estacio: '', variables: { v: 8 } }, 'id_estacio'],
    ['no variables', { id_estacio: 's' }, 'variables'],
    ['empty variables', { id_estacio: 's', variables: {} }, 'variables'],
    ['window below 8', { id_estacio: 's', variables: { v: 7 } }, 'variables.v'],
    ['window above 100000', { id_estacio: 's', variables: { v: 100001 } }, 'variables.v'],
    ['window not an integer', { id_estacio: 's', variables: { v: 8.5 } }, 'variables.v'],
    ['window as a string', { id_estacio: 's', variables: { v: '64' } }, 'variables.v'],
    ['object window below 8', { id_estacio: 's', variables: { v: { window: 4 } } }, 'variables.v.window'],
    [
      'object without window',
      { id_estacio: 's', variables: { v: { threshold: 0.5 } } },
      'variables.v.window',
    ],
    ['unknown option', { id_estacio: 's', variables: { v: { window: 8, colour: 1 } } }, 'variables.v.colour'],
    [
      'mode rejected by the detector',
      { id_estacio: 's', variables: { v: { window: 8, mode: 'x' } } },
      'variables.v.mode',
    ],
  ])('/initialize: %s', async (_name, payload, field) => {
    const res = await app.inject({ method: 'POST', url: '/initialize', payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}\\b`));
  });

  it.each([
    ['no numero_mostres', { id_estacio: 's', mostres: [] }, 'numero_mostres'],
    ['numero_mostres not matching', { ...good(), numero_mostres: 3 }, 'numero_mostres'],
    ['numero_mostres negative', { ...good(), numero_mostres: -1 }, 'numero_mostres'],
    ['mostres not an array', { id_estacio: 's', numero_mostres: 1, mostres: {} }, 'mostres'],
    ['sample without timestamp', sample({ values: { v: 1 } }), 'mostres[0].timestamp'],
    ['timestamp not a string', sample({ timestamp: 1609459200, v: 1 }), 'mostres[0].timestamp'],
    ['unparseable timestamp', sample({ timestamp: 'yesterday', v: 1 }), 'mostres[0].timestamp'],
    ['impossible date', sample({ timestamp: '2021-02-30 00:00:00', v: 1 }), 'mostres[0].timestamp'],
    ['hour 24', sample({ timestamp: '2021-01-01 24:00:00', v: 1 }), 'mostres[0].timestamp'],
    ['string value, flat', sample({ timestamp: '2021-01-01 00:00:00', v: '1.5' }), 'mostres[0].v'],
    [
      'string value, nested',
      sample({ timestamp: '2021-01-01 00:00:00', values: { v: 'x' } }),
      'mostres[0].values.v',
    ],
    [
      'string value under a name with a line break',
      sample({ timestamp: '2021-01-01 00:00:00', values: { 'v\nw': 'x' } }),
      'mostres[0].values.v\nw',
    ],
    ['boolean value', sample({ timestamp: '2021-01-01 00:00:00', v: true }), 'mostres[0].v'],
    ['values not an object', sample({ timestamp: '2021-01-01 00:00:00', values: [1] }), 'mostres[0].values'],
  ])('/detection: %s', async (_name, payload, field) => {
    const res = await app.inject({ method: 'POST', url: '/detection', payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}(\\b|:)`));
  });

  it('rejects a non-finite number (1e400 parses to Infinity)', async () => {
    const payload =
      '{"id_estacio":"s","numero_mostres":1,"mostres":[{"timestamp":"2021-01-01 00:00:00","v":1e400}]}';
    const res = await postJsonText(app, '/detection', payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^mostres\[0\]\.v/);
  });

  it('rejects malformed JSON and an oversized body with 400', async () => {
    const broken = await postJsonText(app, '/detection', '{"id_estacio":');
    expect(broken.statusCode).toBe(400);
    const big = block('s', timestamps(200), { v: Array.from({ length: 200 }, () => 1.25) });
    const res = await app.inject({ method: 'POST', url: '/detection', payload: big });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^body/);
  });

  it('rejects a /detection request without a body with 400 naming it', async () => {
    const res = await app.inject({ method: 'POST', url: '/detection' });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^body/);
  });

  it('rejects a bad query string on the read endpoints', async () => {
    expect((await app.inject({ url: '/stations/s/outliers?limit=0' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/stations/s/outliers?cursor=abc' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/stations/none/outliers' })).statusCode).toBe(404);
  });

  it('leaves the accepted state untouched after rejected requests', async () => {
    const res = await app.inject({ method: 'POST', url: '/detection', payload: good() });
    expect(res.statusCode).toBe(200);
    const detail = (await app.inject({ url: '/stations/s' })).json();
    expect(detail.variables.v).toMatchObject({ samples: 2, missing: 0, stale: 0 });
    expect(detail.blocks).toBe(1);
  });
});

describe('station ids up to the longest accepted', () => {
  it('reads back every station /initialize accepts, whatever characters its id holds', async () => {
    for (const id of ['a'.repeat(256), 'é'.repeat(256), '水'.repeat(256), `${'😀'.repeat(127)}xy`]) {
      const init = await app.inject({
        method: 'POST',
        url: '/initialize',
        payload: { id_estacio: id, variables: { v: 8 } },
      });
      expect(init.statusCode).toBe(200);
      const path = `/stations/${encodeURIComponent(id)}`;
      expect((await app.inject({ url: path })).json()).toMatchObject({ id_estacio: id });
      expect((await app.inject({ url: `${path}/outliers` })).statusCode).toBe(200);
    }
    const tooLong = await app.inject({
      method: 'POST',
      url: '/initialize',
      payload: { id_estacio: 'a'.repeat(257), variables: { v: 8 } },
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().message).toMatch(/^id_estacio/);
  });
});

describe('prototype keys', () => {
  it('/initialize: a variable named __proto__ is a 400 naming it, and changes nothing', async () => {
    const before = (await app.inject({ url: '/stations' })).body;
    const res = await postJsonText(
      app,
      '/initialize',
      '{"id_estacio":"p","variables":{"v":8,"__proto__":8}}',
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^variables\.__proto__: /);
    expect((await app.inject({ url: '/stations' })).body).toBe(before);
  });

  it('/detection: a value named __proto__ is a 400 naming where it sits', async () => {
    const body =
      '{"id_estacio":"s","numero_mostres":1,"mostres":[{"timestamp":"2021-01-01 00:00:00","values":{"__proto__":1}}]}';
    const res = await postJsonText(app, '/detection', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^mostres\[0\]\.values\.__proto__: /);
  });
});

describe('bytes that are not UTF-8', () => {
  it.each([
    ['/initialize', '","variables":{"v":8}}'],
    ['/detection', '","numero_mostres":0,"mostres":[]}'],
  ])(
    '%s: ids that differ only in invalid bytes are refused, not merged into one station',
    async (url, rest) => {
      const before = (await app.inject({ url: '/stations' })).body;
      for (const bad of [[0xff], [0xfe], [0xc3, 0x28]]) {
        const payload = Buffer.concat([Buffer.from('{"id_estacio":"x'), Buffer.from(bad), Buffer.from(rest)]);
        const res = await app.inject({
          method: 'POST',
          url,
          payload,
          headers: { 'content-type': 'application/json' },
        });
        expect(res.statusCode).toBe(400);
        expect(res.json().message).toBe('body: not valid UTF-8');
      }
      expect((await app.inject({ url: '/stations' })).body).toBe(before);
    },
  );
});
