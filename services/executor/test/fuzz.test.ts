/**
 * Property-based fuzzing of every route: generated bodies (valid ones bent out of shape, JSON of any shape,
 * arbitrary text) under every content type. Whatever comes in, the answer is never a 5xx, and a 4xx changes nothing
 * a client can read back. FUZZ_RUNS sets the bodies per route (`pnpm fuzz` runs 10,000).
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, tempDir, testConfig } from './support/helpers.js';
import { base64 } from './support/metric-support.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const TIMEOUT_MS = Math.max(30_000, RUNS * 60);

let dir: Awaited<ReturnType<typeof tempDir>>;
let app: FastifyInstance;
beforeAll(async () => {
  dir = await tempDir();
  app = await startApp(testConfig({ STATE_DIR: dir.path, METRIC_WORKERS: '0', BODY_LIMIT: '65536' }));
  const init = { id_estacio: 's1', variables: { level: 16, temp: { window: 32, detector: 'forest' } } };
  expect((await app.inject({ method: 'POST', url: '/initialize', payload: init })).statusCode).toBe(200);
});
afterAll(async () => {
  await app.close();
  await dir.remove();
});

// Names and values a hostile client tries: prototype keys, long and odd strings, numbers at the edges.
const name = fc.oneof(
  fc.constantFrom('s1', 'level', 'temp', '__proto__', 'constructor', 'toString', '', ' ', 'a'.repeat(300)),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const number = fc.oneof(
  fc.integer({ min: -5, max: 200_000 }),
  fc.double(),
  fc.constantFrom(0, -0, 1e308, -1e308, 8, 100_001, Number.MAX_SAFE_INTEGER),
);
const value = fc.oneof(
  number,
  fc.constant(null),
  fc.string({ maxLength: 20 }),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 2 }),
);
const timestamp = fc.oneof(
  fc.constantFrom('2021-01-01 00:00:00', '2021-02-30 00:00:00', '2021-01-01T00:00:00Z', '', 'yesterday'),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace('T', ' ').slice(0, 19)),
  fc.string({ maxLength: 30 }),
  number,
);
const sample = fc.oneof(
  fc.record({ timestamp, values: fc.dictionary(name, value, { maxKeys: 4 }) }, { requiredKeys: [] }),
  fc.record({ timestamp, level: value, temp: value }, { requiredKeys: [] }),
  value,
);
const initialize = fc.record(
  {
    id_estacio: fc.oneof(name, value),
    variables: fc.oneof(
      fc.dictionary(
        name,
        fc.oneof(
          number,
          fc.record({ window: number, detector: value, sensitivity: value }, { requiredKeys: [] }),
          value,
        ),
        { maxKeys: 4 },
      ),
      value,
    ),
  },
  { requiredKeys: [] },
);
const detection = fc.record(
  {
    id_estacio: fc.oneof(name, value),
    numero_mostres: fc.oneof(number, value),
    mostres: fc.oneof(fc.array(sample, { maxLength: 6 }), value),
  },
  { requiredKeys: [] },
);
const druidRows = fc.array(
  fc.record(
    {
      timestamp: fc.oneof(
        timestamp,
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      ),
      result: fc.dictionary(name, value, { maxKeys: 3 }),
    },
    { requiredKeys: [] },
  ),
  { maxLength: 30 },
);
const metricFields = fc.record(
  {
    data: fc.oneof(
      druidRows.map(base64),
      fc.string({ maxLength: 40 }),
      fc.jsonValue({ maxDepth: 2 }).map(base64),
    ),
    query: fc.oneof(
      fc
        .record(
          {
            queryType: fc.constantFrom('timeseries', 'groupBy'),
            dataSource: fc.oneof(name, value),
            intervals: value,
            granularity: value,
          },
          { requiredKeys: [] },
        )
        .map(base64),
      fc.string({ maxLength: 40 }),
    ),
    model: fc.oneof(name.map(base64), fc.string({ maxLength: 20 })),
  },
  { requiredKeys: [] },
);

/** A body under one of the content types a client might send, or none. */
function encoded(body: fc.Arbitrary<unknown>) {
  return fc.oneof(
    body.map((b) => ({ type: 'application/json', payload: JSON.stringify(b) ?? 'null' })),
    fc
      .oneof(
        fc.string({ maxLength: 200 }),
        fc.constantFrom('{"__proto__":{"x":1}}', '{"variables":{"__proto__":8}}', '[', '{"id_estacio":"s1"'),
      )
      .map((payload) => ({
        type: 'application/json',
        payload,
      })),
    body.map((b) => ({
      type: 'application/x-www-form-urlencoded',
      payload: new URLSearchParams(
        Object.entries(typeof b === 'object' && b !== null ? b : { b }).map(([k, v]): [string, string] => [
          k,
          typeof v === 'string' ? v : (JSON.stringify(v) ?? ''),
        ]),
      ).toString(),
    })),
    fc.record({
      type: fc.constantFrom('text/plain', 'multipart/form-data', 'multipart/form-data; boundary=zz', ''),
      payload: fc.string({ maxLength: 200 }),
    }),
  );
}

/** What a client can read back about the stations. */
async function snapshot() {
  const list = await app.inject({ method: 'GET', url: '/stations?limit=1000' });
  const s1 = await app.inject({ method: 'GET', url: '/stations/s1' });
  const history = await app.inject({ method: 'GET', url: '/stations/s1/outliers?limit=1000' });
  return [list.body, s1.body, history.body];
}

const ROUTES = [
  ['/initialize', encoded(initialize)],
  ['/detection', encoded(detection)],
  ['/api/v1/outliers', encoded(metricFields)],
  ['/calculate', encoded(metricFields)],
] as const;

describe('fuzzing: generated bodies on every route', () => {
  it.each(ROUTES)(
    'POST %s: never a 5xx; a 4xx changes nothing',
    async (url, body) => {
      await fc.assert(
        fc.asyncProperty(body, async ({ type, payload }) => {
          const before = await snapshot();
          const headers = type ? { 'content-type': type } : {};
          const res = await app.inject({ method: 'POST', url, headers, payload });
          expect(res.statusCode, `${res.statusCode} ${res.body.slice(0, 300)}`).toBeLessThan(500);
          if (res.statusCode >= 400) expect(await snapshot()).toEqual(before);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'GET routes with generated ids and query strings: never a 5xx',
    async () => {
      const query = fc.dictionary(
        fc.constantFrom('limit', 'cursor', 'x', '__proto__'),
        fc.oneof(fc.string({ maxLength: 12 }), number.map(String)),
        { maxKeys: 3 },
      );
      await fc.assert(
        fc.asyncProperty(name, query, fc.constantFrom('', '/outliers'), async (id, params, tail) => {
          const url = `/stations/${encodeURIComponent(id)}${tail}?${new URLSearchParams(params)}`;
          for (const path of [url, `/stations?${new URLSearchParams(params)}`]) {
            const res = await app.inject({ method: 'GET', url: path });
            expect(res.statusCode, `${path}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
          }
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
});
