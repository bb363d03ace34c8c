/**
 * Missing buckets end to end (issue #18): a broker asked with skipEmptyBuckets leaves an outage out of its answer;
 * the reply has those buckets back, observed 0 and `missing: true`. Druid is a real HTTP stand-in on 127.0.0.1 and
 * the detection runs in worker threads, as in production.
 */
import { DruidClient } from '@outliers/druid';
import { answerWith, type DruidStandIn, startDruidStandIn } from '@outliers/druid/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutliersReply } from '../src/schemas/druid-query.js';
import {
  base64,
  druidResponse,
  formRequest,
  type MetricApp,
  START,
  startMetricApp,
  trafficRows,
} from './support/metric-support.js';

const MINUTE = 60_000;
/** Four hours of minutes; the broker skips 01:00-01:29 of them (an outage) and the last ten minutes. */
const day = trafficRows(240, { stepMs: MINUTE });
const outage = (i: number) => (i >= 60 && i < 90) || i >= 230;
const skipped = day.filter((_, i) => !outage(i));
const iso = (time: number) => new Date(time).toISOString();

const query = {
  queryType: 'timeseries',
  dataSource: 'rb_flow',
  granularity: 'minute',
  intervals: [`${iso(START)}/${iso(START + 240 * MINUTE)}`],
  aggregations: [
    { type: 'longSum', name: 'bytes', fieldName: 'sum_bytes' },
    { type: 'longSum', name: 'pkts', fieldName: 'sum_pkts' },
    { type: 'hyperUnique', name: 'clients', fieldName: 'clients' },
    { type: 'longSum', name: 'flows', fieldName: 'events' },
  ],
  context: { skipEmptyBuckets: true },
};

let druid: DruidStandIn;
let client: DruidClient;
let ctx: MetricApp;
beforeAll(async () => {
  druid = await startDruidStandIn(answerWith(druidResponse(skipped)));
  client = new DruidClient({ url: druid.url, timeoutMs: 2000, retries: 0 });
  ctx = await startMetricApp({ druid: client, env: { METRIC_WORKERS: '1' } });
});
afterAll(async () => {
  await ctx.close();
  await client.close();
  await druid.close();
});

async function detect(fields: Record<string, string>): Promise<OutliersReply> {
  const res = await ctx.app.inject({ method: 'POST', url: '/api/v1/outliers', ...formRequest(fields) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<OutliersReply>();
}

/** The reply's predicted entries by minute of the four hours. */
const byMinute = (reply: OutliersReply) =>
  reply.predicted.map((p) => (Date.parse(p.timestamp) - START) / MINUTE);

describe('missing buckets', () => {
  it('reports a 30-minute outage the broker left out, and the end of the request, as 0 and missing', async () => {
    const reply = await detect({ query: base64(query) });
    expect(byMinute(reply)).toEqual(day.map((_, i) => i));
    expect(reply.predicted.map((p) => [p.observed, p.missing])).toEqual(
      day.map((row, i) => (outage(i) ? [0, true] : [row.values.bytes, undefined])),
    );
    // Whether the model flags the zeros is the model's call (the anomalies' flag is reply-json.test.ts's); every
    // anomaly in the outage says it is missing.
    const inOutage = reply.anomalies.filter((a) => outage((Date.parse(a.timestamp) - START) / MINUTE));
    expect(inOutage.every((a) => a.missing === true && a.observed === 0)).toBe(true);
  });

  it('fills the outage in data sent without a query (its median spacing), not before or after it', async () => {
    const reply = await detect({ data: base64(druidResponse(skipped)) });
    expect(byMinute(reply)).toEqual(day.slice(0, 230).map((_, i) => i));
    expect(
      reply.predicted.filter((p) => p.missing).map((p) => (Date.parse(p.timestamp) - START) / MINUTE),
    ).toEqual(day.slice(60, 90).map((_, i) => 60 + i));
  });

  it('fills the start of the interval when the broker answers from its middle', async () => {
    druid.respondWith(answerWith(druidResponse(day.slice(45))));
    const reply = await detect({ query: base64(query) });
    druid.respondWith(answerWith(druidResponse(skipped)));
    expect(byMinute(reply)).toEqual(day.map((_, i) => i));
    expect(reply.predicted.slice(0, 45).every((p) => p.missing === true && p.observed === 0)).toBe(true);
    expect(reply.predicted.slice(45).some((p) => p.missing)).toBe(false);
  });

  it('leaves the buckets missing when a metric has no known empty value (a max)', async () => {
    const withMax = {
      ...query,
      aggregations: [...query.aggregations, { type: 'longMax', name: 'peak', fieldName: 'sum_bytes' }],
    };
    const answer = skipped.map((r) => ({ ...r, values: { ...r.values, peak: 1 } }));
    druid.respondWith(answerWith(druidResponse(answer)));
    const reply = await detect({ query: base64(withMax) });
    druid.respondWith(answerWith(druidResponse(skipped)));
    expect(reply.predicted.map((p) => Date.parse(p.timestamp))).toEqual(skipped.map((r) => r.time));
    expect(reply.predicted.some((p) => p.missing)).toBe(false);
  });

  it('does not fill buckets that had not ended when the query ran', async () => {
    // An interval around now: the broker has the first half hour, nothing since.
    const start = Math.floor(Date.now() / MINUTE) * MINUTE - 60 * MINUTE;
    const recent = trafficRows(30, { start, stepMs: MINUTE });
    druid.respondWith(answerWith(druidResponse(recent)));
    const reply = await detect({
      query: base64({ ...query, intervals: [`${iso(start)}/${iso(start + 120 * MINUTE)}`] }),
    });
    const answeredAt = Date.now();
    druid.respondWith(answerWith(druidResponse(skipped)));
    const times = reply.predicted.map((p) => Date.parse(p.timestamp));
    // Minutes 30 to 59 at least are over; none that ended after the answer is filled.
    expect(times.length).toBeGreaterThanOrEqual(60);
    expect(times).toEqual(times.map((_, i) => start + i * MINUTE));
    expect(times.at(-1)! + MINUTE).toBeLessThanOrEqual(answeredAt);
    expect(reply.predicted.slice(30).every((p) => p.missing)).toBe(true);
  });
});
