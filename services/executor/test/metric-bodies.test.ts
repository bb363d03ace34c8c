import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  base64,
  druidResponse,
  type MetricApp,
  multipartRequest,
  startMetricApp,
  trafficRows,
} from './support/metric-support.js';

/** Bodies of POST /api/v1/outliers that are broken or too large: 400 naming the body or the field, never a 500. */
const BODY_LIMIT = 4096;
const BODY_LIMIT_METRIC = 32_768;
let ctx: MetricApp;
beforeAll(async () => {
  // BODY_LIMIT_MULTIPART unset: BODY_LIMIT is its default.
  ctx = await startMetricApp({
    env: { BODY_LIMIT: String(BODY_LIMIT), BODY_LIMIT_METRIC: String(BODY_LIMIT_METRIC) },
  });
});
afterAll(() => ctx.close());

const multipart = (parts: string, boundary = 'zz') => ({
  'content-type': `multipart/form-data; boundary=${boundary}`,
  parts,
});
const field = (name: string, value: string) =>
  `--zz\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;

async function post(headers: Record<string, string>, payload: string | Readable) {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/outliers', headers, payload });
  return { status: res.statusCode, body: res.json<{ msg: string; code: string }>() };
}

describe('POST /api/v1/outliers: broken and oversized bodies', () => {
  it.each([
    [
      'cut short',
      multipart(`${field('query', 'abc').slice(0, -2)}--`),
      /^body: Unexpected end of multipart data/,
    ],
    [
      'without a boundary',
      { 'content-type': 'multipart/form-data', parts: `${field('query', 'abc')}--zz--\r\n` },
      /^body: .*[Bb]oundary/,
    ],
  ])('a multipart body %s answers 400 naming the body', async (_, { parts, ...headers }, msg) => {
    const res = await post(headers, parts);
    expect(res.status).toBe(400);
    expect(res.body.msg).toMatch(msg);
  });

  it('a multipart body declared larger than BODY_LIMIT_MULTIPART is refused before it is read', async () => {
    const { parts, ...headers } = multipart(`${field('data', 'a'.repeat(BODY_LIMIT))}--zz--\r\n`);
    const res = await post(headers, parts);
    expect(res).toEqual({ status: 400, body: expect.objectContaining({ code: 'EXECUTOR_BODY_TOO_LARGE' }) });
    expect(res.body.msg).toBe(
      `body: larger than the body limit (BODY_LIMIT_MULTIPART = ${BODY_LIMIT} bytes)`,
    );
  });

  it('a streamed multipart field longer than BODY_LIMIT_MULTIPART is refused naming it, not cut and misread', async () => {
    const big = base64({ rows: 'x'.repeat(BODY_LIMIT) });
    const { parts, ...headers } = multipart(`${field('data', big)}--zz--\r\n`);
    // A stream: no content-length, so only the field's own length can tell.
    const res = await post(headers, Readable.from([parts]));
    expect(res.status).toBe(400);
    expect(res.body.msg).toBe(
      `data: larger than the body limit (BODY_LIMIT_MULTIPART = ${BODY_LIMIT} bytes)`,
    );
  });
});

describe('POST /api/v1/outliers: BODY_LIMIT_METRIC holds form and JSON bodies, apart from multipart ones', () => {
  const data = base64(druidResponse(trafficRows(24 * 7)));
  /** A JSON body of `data`, padded with white space to `size` bytes. */
  const jsonOfSize = (size: number) => {
    const text = JSON.stringify({ data });
    return `${text}${' '.repeat(size - text.length)}`;
  };

  it('a JSON body of exactly BODY_LIMIT_METRIC bytes is detected', async () => {
    const res = await post({ 'content-type': 'application/json' }, jsonOfSize(BODY_LIMIT_METRIC));
    expect(res.status).toBe(200);
  });

  it.each([
    ['JSON', 'application/json', jsonOfSize(BODY_LIMIT_METRIC + 1)],
    ['form', 'application/x-www-form-urlencoded', `data=${data}&${'x'.repeat(BODY_LIMIT_METRIC)}`],
  ])('a %s body one byte or more over it is a 400 naming BODY_LIMIT_METRIC', async (_, type, payload) => {
    const res = await post({ 'content-type': type }, payload);
    expect(res).toEqual({ status: 400, body: expect.objectContaining({ code: 'EXECUTOR_BODY_TOO_LARGE' }) });
    expect(res.body.msg).toBe(
      `body: larger than the body limit (BODY_LIMIT_METRIC = ${BODY_LIMIT_METRIC} bytes)`,
    );
  });

  it('the same data as multipart is held to BODY_LIMIT_MULTIPART', async () => {
    const { headers, payload } = multipartRequest({ data });
    const res = await post(headers, payload);
    expect(res.body.msg).toBe(
      `body: larger than the body limit (BODY_LIMIT_MULTIPART = ${BODY_LIMIT} bytes)`,
    );
  });
});
