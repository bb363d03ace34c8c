/** Contract of POST /api/v1/outliers and /calculate on the shallow path: encodings, Druid, every bad input. */
import { shallowDetect } from '@outliers/core';
import { DruidClient } from '@outliers/druid';
import { answerWith, type DruidStandIn, redborderFixture, startDruidStandIn } from '@outliers/druid/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutliersReply } from '../src/schemas/druid-query.js';
import {
  base64,
  druidResponse,
  type Fields,
  formRequest,
  HOUR,
  jsonRequest,
  type MetricApp,
  multipartRequest,
  startMetricApp,
  trafficRows,
} from './support/metric-support.js';

const bytesFixture = redborderFixture('druid_bytes_239x1h') as {
  timestamp: string;
  result: { bytes: number };
}[];
const query = {
  queryType: 'timeseries',
  dataSource: 'rb_flow',
  granularity: { type: 'period', period: 'PT1H' },
  intervals: ['2024-05-22T10:00:00Z/2024-06-01T09:00:00Z'],
  aggregations: [{ type: 'longSum', name: 'bytes', fieldName: 'sum_bytes' }],
  filter: { type: 'selector', dimension: 'sensor_name', value: 'no-model-sensor' },
};

let druid: DruidStandIn;
let client: DruidClient;
let ctx: MetricApp;
beforeAll(async () => {
  druid = await startDruidStandIn(answerWith(bytesFixture));
  client = new DruidClient({ url: druid.url, timeoutMs: 300, retries: 1, retryDelayMs: 1 });
  // The production path: detection in worker threads.
  ctx = await startMetricApp({ druid: client, env: { METRIC_WORKERS: '2' } });
});
afterAll(async () => {
  await ctx.close();
  await client.close();
  await druid.close();
});

const post = (request: { headers: Record<string, string>; payload: string }, url = '/api/v1/outliers') =>
  ctx.app.inject({ method: 'POST', url, ...request });

/**
 * The fixture as Druid answers it without skipEmptyBuckets: every hour from its first row to its last, 0 bytes in
 * the 47 hours its real Druid skipped. The API lays that grid over `data` alone (the rows' median spacing).
 */
const fixtureHours = (() => {
  const byTime = new Map(bytesFixture.map((r) => [Date.parse(r.timestamp), r.result]));
  const first = Date.parse(bytesFixture[0]!.timestamp);
  const hours = (Date.parse(bytesFixture.at(-1)!.timestamp) - first) / HOUR + 1;
  return Array.from({ length: hours }, (_, i) => {
    const time = first + i * HOUR;
    return { time, values: byTime.get(time) ?? { bytes: 0 }, missing: !byTime.has(time) };
  });
})();

/** What the shallow model says about the fixture's hours, computed directly: the API must report exactly this. */
function expectedFromShallow() {
  return shallowDetect(fixtureHours, { sensitivity: 0.95 }).points;
}

describe('POST /api/v1/outliers: encodings', () => {
  const fields: Fields = { data: base64(bytesFixture) };

  it.each([
    ['form', () => formRequest(fields)],
    ['multipart', () => multipartRequest(fields)],
    ['JSON with base64', () => jsonRequest(fields)],
    ['JSON with plain values', () => jsonRequest({ data: bytesFixture })],
    ['JSON with JSON text', () => jsonRequest({ data: JSON.stringify(bytesFixture) })],
  ])('%s: reports the shallow model verdict with the reference keys', async (_, request) => {
    const res = await post(request());
    expect(res.statusCode).toBe(200);
    const body = res.json<OutliersReply>();
    const points = expectedFromShallow();
    expect(body.status).toBe('success');
    expect(body.model).toEqual({ name: 'shallow', kind: 'shallow', resolvedBy: 'fallback' });
    expect(body.metric).toBe('bytes');
    expect(fixtureHours).toHaveLength(bytesFixture.length + 47);
    expect(body.predicted.map((p) => p.timestamp)).toEqual(
      fixtureHours.map((r) => new Date(r.time).toISOString()),
    );
    expect(body.predicted.map((p) => p.forecast)).toEqual(points.map((p) => p.expected.bytes));
    expect(body.predicted.map((p) => p.observed)).toEqual(fixtureHours.map((r) => r.values.bytes));
    expect(body.predicted.map((p) => p.missing ?? false)).toEqual(fixtureHours.map((r) => r.missing));
    const flagged = points.filter((p) => p.anomalous);
    const missing = new Set(fixtureHours.filter((r) => r.missing).map((r) => r.time));
    expect(body.anomalies).toEqual(
      flagged.map((p) => ({
        timestamp: new Date(p.time).toISOString(),
        expected: p.expected.bytes,
        observed: p.observed.bytes,
        exceeded: p.exceeded,
        score: p.score,
        lower: p.lower.bytes,
        upper: p.upper.bytes,
        ...(missing.has(p.time) ? { missing: true } : {}),
      })),
    );
  });

  it('answers the alias /calculate identically', async () => {
    const a = await post(formRequest(fields));
    const b = await post(formRequest(fields), '/calculate');
    expect(b.statusCode).toBe(200);
    expect(b.json()).toEqual(a.json());
  });

  it('repairs base64 whose + became a space in a form body', async () => {
    const raw = base64(bytesFixture);
    const res = await post({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `data=${raw.replaceAll('/', '%2F').replaceAll('=', '%3D')}`,
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('POST /api/v1/outliers: running the query', () => {
  it("sends the client query to Druid on the shallow path, Druid's timeout capped at ours, and judges the answer", async () => {
    const before = druid.queries.length;
    const res = await post(formRequest({ query: base64({ ...query, context: { timeout: 90_000 } }) }));
    expect(res.statusCode).toBe(200);
    expect(druid.queries.slice(before)).toEqual([{ ...query, context: { timeout: 30_000 } }]);
    expect(res.json<OutliersReply>().predicted).toHaveLength(bytesFixture.length);
  });

  it("prefers data over query (no Druid call), laid on the query's grid", async () => {
    const before = druid.queries.length;
    // The first 50 hours of the query's 239: the 189 after them are an outage at the end of the request.
    const res = await post(formRequest({ query: base64(query), data: base64(bytesFixture.slice(0, 50)) }));
    expect(res.statusCode).toBe(200);
    expect(druid.queries.length).toBe(before);
    const { predicted } = res.json<OutliersReply>();
    expect(predicted).toHaveLength(239);
    expect(predicted.at(-1)!.timestamp).toBe('2024-06-01T08:00:00.000Z');
    expect(predicted.slice(0, 50).map((p) => p.observed)).toEqual(
      bytesFixture.slice(0, 50).map((r) => r.result.bytes),
    );
    expect(predicted.slice(0, 50).some((p) => p.missing)).toBe(false);
    expect(predicted.slice(50).every((p) => p.missing === true && p.observed === 0)).toBe(true);
  });

  it('answers an empty Druid result with empty lists', async () => {
    druid.respondWith(answerWith([]));
    const res = await post(formRequest({ query: base64(query) }));
    druid.respondWith(answerWith(bytesFixture));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'success', anomalies: [], predicted: [] });
  });
});

describe('POST /api/v1/outliers: no dropped tail', () => {
  it.each([1440, 20])('gives a prediction for every one of %d rows', async (count) => {
    const rows = trafficRows(count, { stepMs: 60_000 });
    const res = await post(formRequest({ data: base64(druidResponse(rows)) }));
    expect(res.statusCode).toBe(200);
    const body = res.json<OutliersReply>();
    expect(body.predicted.map((p) => Date.parse(p.timestamp))).toEqual(rows.map((r) => r.time));
    expect(body.predicted.every((p) => typeof p.forecast === 'number')).toBe(true);
    const stamps = body.anomalies.map((a) => a.timestamp);
    expect(new Set(stamps).size).toBe(stamps.length);
  });
});

describe('POST /api/v1/outliers: errors', () => {
  async function expectError(
    request: { headers: Record<string, string>; payload: string },
    status: number,
    msg: string | RegExp,
  ) {
    const res = await post(request);
    expect(res.statusCode).toBe(status);
    const body = res.json<{ status: string; msg: string; code: string }>();
    expect(body.status).toBe('error');
    expect(body.msg).toMatch(msg);
    expect(body.code).toMatch(/^(EXECUTOR|FST)_/);
    expect(res.body).not.toMatch(/ at .*\.(ts|js):\d+/);
    return body;
  }

  it.each([
    ['an empty form', formRequest({}), /^No data provided or requested$/],
    ['an empty JSON object', jsonRequest({}), /^No data provided or requested$/],
    ['no body at all', { headers: {}, payload: '' }, /^No data provided or requested$/],
    ['only a model', formRequest({ model: base64('m1') }), /^No data provided or requested$/],
    ['data that is not base64', formRequest({ data: '%%%not base64%%%' }), /^data: not valid base64/],
    ['data that is not JSON', formRequest({ data: base64('hello') }), /^data: not valid JSON/],
    ['data that is not a list', formRequest({ data: base64({ rows: [] }) }), /^data: expected an array/],
    [
      'data rows without result',
      formRequest({ data: base64([{ timestamp: '2024-01-01T00:00:00Z', event: {} }]) }),
      /^data\[0\]\.result: /,
    ],
    [
      'data with a bad timestamp',
      formRequest({ data: base64([{ timestamp: 'noon', result: { bytes: 1 } }]) }),
      /^data\[0\]\.timestamp: /,
    ],
    [
      'JSON data (a plain value, its text cut from the body and parsed in the worker) with a bad timestamp',
      jsonRequest({
        data: [
          { timestamp: '2024-01-01T00:00:00Z', result: { bytes: 1 } },
          { timestamp: 'noon', result: { bytes: 2 } },
        ],
      }),
      /^data\[1\]\.timestamp: /,
    ],
    [
      'data with a duplicate timestamp',
      formRequest({ data: base64(druidResponse([...trafficRows(3), ...trafficRows(1)])) }),
      /^data\[3\]\.timestamp: duplicate/,
    ],
    [
      'data without the metric',
      formRequest({
        data: base64(druidResponse(trafficRows(5)).map((r) => ({ ...r, result: { pkts: 1, flows: 2 } }))),
      }),
      /^data: .*"bytes"/,
    ],
    [
      'data with a null metric value',
      formRequest({
        data: base64([
          ...bytesFixture.slice(0, 5),
          { timestamp: '2024-06-30T00:00:00.000Z', result: { bytes: null } },
        ]),
      }),
      /^data\[5\]\.result\.bytes: /,
    ],
    ['a query that is not JSON', formRequest({ query: base64('{') }), /^query: not valid JSON/],
    [
      'a groupBy query',
      formRequest({ query: base64({ ...query, queryType: 'groupBy' }) }),
      /^query\.queryType: only "timeseries"/,
    ],
    [
      'a query without intervals',
      formRequest({ query: base64({ ...query, intervals: undefined }) }),
      /^query\.intervals: /,
    ],
    [
      'a query with a bad granularity',
      formRequest({ query: base64({ ...query, granularity: 'P1X' }) }),
      /^query\.granularity: /,
    ],
    [
      'a query of a table off the allow-list (DRUID_DATA_SOURCES)',
      formRequest({ query: base64({ ...query, dataSource: 'users' }) }),
      /^query\.dataSource: "users" is not an allowed data source \(allowed: rb_flow\)/,
    ],
    [
      'a query choosing its broker',
      formRequest({ query: base64({ ...query, context: { brokerService: 'druid/tier2' } }) }),
      /^query\.context\.brokerService: is not allowed/,
    ],
    [
      'a query filtering through a lookup',
      formRequest({
        query: base64({ ...query, filter: { ...query.filter, extractionFn: { type: 'registeredLookup' } } }),
      }),
      /^query\.filter\.extractionFn: /,
    ],
    [
      'a model name with traversal',
      formRequest({ data: base64(bytesFixture), model: base64('../../etc/passwd') }),
      /^model: invalid model name/,
    ],
    [
      'a model that is not base64',
      formRequest({ data: base64(bytesFixture), model: '***' }),
      /^model: not valid base64/,
    ],
    [
      'a repeated field',
      { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'data=a&data=b' },
      /^data: expected a string/,
    ],
    ['malformed JSON', { headers: { 'content-type': 'application/json' }, payload: '{"data": ' }, /^body: /],
    [
      'JSON data whose brackets match but that is not JSON (cut from the body, parsed in the worker)',
      { headers: { 'content-type': 'application/json' }, payload: '{"data": [1,,{2]], "k": 1}' },
      /^data: not valid JSON$/,
    ],
    [
      'a malformed JSON body around well-formed data',
      { headers: { 'content-type': 'application/json' }, payload: '{"data": [], "model": }' },
      /^body: /,
    ],
    ['a JSON array body', jsonRequest([1, 2]), /^body: expected an object/],
  ])('400 for %s', async (_, request, msg) => {
    await expectError(request, 400, msg);
  });

  it('404 for an unknown model', async () => {
    const body = await expectError(
      formRequest({ data: base64(bytesFixture), model: base64('no-such-model') }),
      404,
      /no-such-model/,
    );
    expect(body.code).toBe('EXECUTOR_MODEL_NOT_FOUND');
  });

  it('415 for an unsupported content type', async () => {
    await expectError({ headers: { 'content-type': 'text/csv' }, payload: 'a,b' }, 415, /^body: /);
  });

  it('502 when Druid fails, after its retries', async () => {
    druid.respondWith(() => ({ status: 500, body: { error: 'historical down' } }));
    const before = druid.queries.length;
    const body = await expectError(
      formRequest({ query: base64(query) }),
      502,
      /^Could not execute druid query$/,
    );
    druid.respondWith(answerWith(bytesFixture));
    expect(body.code).toBe('EXECUTOR_DRUID_FAILED');
    expect(druid.queries.length - before).toBe(2);
  });

  it.each([
    [
      'something that is not a timeseries',
      answerWith([{ version: 'v1', timestamp: '2024-01-01T00:00:00Z', event: { bytes: 1 } }]),
    ],
    ['text that is not JSON (read where the detection runs)', () => ({ body: '<html>proxy error</html>' })],
  ])('502 when Druid answers %s', async (_, responder) => {
    druid.respondWith(responder);
    const body = await expectError(
      formRequest({ query: base64(query) }),
      502,
      /^Could not execute druid query$/,
    );
    druid.respondWith(answerWith(bytesFixture));
    expect(body.code).toBe('EXECUTOR_DRUID_FAILED');
  });

  it('504 when Druid is too slow', async () => {
    druid.respondWith(() => ({ body: bytesFixture, delayMs: 1000 }));
    const body = await expectError(
      formRequest({ query: base64(query) }),
      504,
      /^Could not execute druid query$/,
    );
    druid.respondWith(answerWith(bytesFixture));
    expect(body.code).toBe('EXECUTOR_DRUID_TIMEOUT');
  });
});

describe('without DRUID_URL', () => {
  it('serves data and answers 502 to a query', async () => {
    const bare = await startMetricApp();
    try {
      const ok = await bare.app.inject({
        method: 'POST',
        url: '/api/v1/outliers',
        ...formRequest({ data: base64(bytesFixture) }),
      });
      expect(ok.statusCode).toBe(200);
      const res = await bare.app.inject({
        method: 'POST',
        url: '/api/v1/outliers',
        ...formRequest({ query: base64(query) }),
      });
      expect(res.statusCode).toBe(502);
      expect(res.json()).toMatchObject({ status: 'error', msg: 'Could not execute druid query' });
    } finally {
      await bare.close();
    }
  });
});
