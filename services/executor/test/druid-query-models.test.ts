/**
 * The metric API with real trained models (a small autoencoder trained once for this file): model resolution, the
 * reference's defects proven absent, K, hot swap under load, and the S3 store on s3rver.
 */
import type { MetricRow } from '@outliers/core';
import { DruidClient, trafficAggregations, trafficPostAggregations } from '@outliers/druid';
import { answerWith, type DruidStandIn, startDruidStandIn } from '@outliers/druid/testing';
import { DiskModelStore } from '@outliers/model-store';
import { startTestS3 } from '@outliers/model-store/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { OutliersReply } from '../src/schemas/druid-query.js';
import { tempDir } from './support/helpers.js';
import {
  base64,
  druidResponse,
  formRequest,
  HOUR,
  type MetricApp,
  START,
  startMetricApp,
  trafficRows,
  trainedModelFiles,
} from './support/metric-support.js';

/** A normal week right after the 15 training days, with different noise. */
const normalWeek = trafficRows(24 * 7, { start: START + 15 * 24 * HOUR, phase: 1.7 });

const queryFor = (filter: unknown) => ({
  queryType: 'timeseries',
  dataSource: 'rb_flow',
  granularity: { type: 'period', period: 'PT1H' },
  intervals: ['2024-05-21T00:00:00Z/2024-05-28T00:00:00Z'],
  aggregations: [{ type: 'count', name: 'rows' }],
  filter,
});
const sensor = (name: string) => ({ type: 'selector', dimension: 'sensor_name', value: name });

let files: Record<string, Uint8Array>;
let dir: Awaited<ReturnType<typeof tempDir>>;
let store: DiskModelStore;
let druid: DruidStandIn;
let client: DruidClient;
let ctx: MetricApp;
let sensorVersion: string;

beforeAll(async () => {
  files = await trainedModelFiles();
  dir = await tempDir();
  store = new DiskModelStore(dir.path);
  sensorVersion = (await store.publish('sensor-a', files)).version;
  await store.publish('default-m', files);
  druid = await startDruidStandIn(answerWith(druidResponse(normalWeek)));
  client = new DruidClient({ url: druid.url, timeoutMs: 2000, retries: 0 });
  ctx = await startMetricApp({ modelStore: store, druid: client });
}, 60_000);
afterAll(async () => {
  await ctx?.close();
  await client?.close();
  await druid?.close();
  await dir?.remove();
});

async function detect(app: MetricApp, fields: Record<string, string>): Promise<OutliersReply> {
  const res = await app.app.inject({ method: 'POST', url: '/api/v1/outliers', ...formRequest(fields) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<OutliersReply>();
}

describe('model resolution', () => {
  it('uses the model of the sensor in the filter, with the traffic rewrite at the query granularity', async () => {
    const before = druid.queries.length;
    const reply = await detect(ctx, { query: base64(queryFor(sensor('sensor-a'))) });
    expect(reply.model).toEqual({
      name: 'sensor-a',
      kind: 'autoencoder',
      version: sensorVersion,
      resolvedBy: 'sensor',
    });
    const sent = druid.queries.slice(before) as Record<string, unknown>[];
    expect(sent).toHaveLength(1);
    expect(sent[0]!.aggregations).toEqual(trafficAggregations());
    expect(sent[0]!.postAggregations).toEqual(trafficPostAggregations(3600));
    expect(sent[0]!.filter).toEqual(sensor('sensor-a'));
    expect(reply.predicted).toHaveLength(normalWeek.length);
  });

  it('finds the sensor inside an and filter', async () => {
    const filter = {
      type: 'and',
      fields: [sensor('sensor-a'), { type: 'selector', dimension: 'lan_ip', value: '10.0.0.1' }],
    };
    expect((await detect(ctx, { query: base64(queryFor(filter)) })).model.name).toBe('sensor-a');
  });

  it('prefers an explicit model over the sensor', async () => {
    const reply = await detect(ctx, {
      query: base64(queryFor(sensor('sensor-a'))),
      model: base64('default-m'),
    });
    expect(reply.model).toMatchObject({ name: 'default-m', resolvedBy: 'model' });
  });

  it('falls back to the shallow model, sending the query without the traffic rewrite', async () => {
    const query = queryFor(sensor('sensor-without-model'));
    const before = druid.queries.length;
    const reply = await detect(ctx, { query: base64(query) });
    expect(reply.model).toMatchObject({ name: 'shallow', resolvedBy: 'fallback' });
    // Only the query policy's cap on Druid's timeout (DRUID_TIMEOUT_MS) is added, as to every query.
    expect(druid.queries.slice(before)).toEqual([{ ...query, context: { timeout: 30_000 } }]);
  });

  it('uses DEFAULT_MODEL when the sensor has none, and the shallow model when the default is missing', async () => {
    const withDefault = await startMetricApp({
      modelStore: store,
      druid: client,
      env: { DEFAULT_MODEL: 'default-m' },
    });
    const missingDefault = await startMetricApp({
      modelStore: store,
      druid: client,
      env: { DEFAULT_MODEL: 'gone' },
    });
    try {
      const query = base64(queryFor(sensor('sensor-without-model')));
      expect((await detect(withDefault, { query })).model).toMatchObject({
        name: 'default-m',
        resolvedBy: 'default',
      });
      expect((await detect(withDefault, { query: base64(queryFor(sensor('sensor-a'))) })).model.name).toBe(
        'sensor-a',
      );
      expect((await detect(missingDefault, { query })).model.name).toBe('shallow');
    } finally {
      await withDefault.close();
      await missingDefault.close();
    }
  });
});

describe('a stored model that cannot be loaded', () => {
  it('answers 500 with the reference message, never 404 or a stack', async () => {
    await store.publish('broken', { ...files, 'weights.bin': new Uint8Array(8) });
    for (let i = 0; i < 2; i++) {
      const res = await ctx.app.inject({
        method: 'POST',
        url: '/api/v1/outliers',
        ...formRequest({ data: base64(druidResponse(normalWeek)), model: base64('broken') }),
      });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({
        status: 'error',
        msg: 'Error while calculating prediction model',
        code: 'EXECUTOR_PREDICTION_FAILED',
      });
    }
  });
});

describe('defects of the reference, proven absent', () => {
  it('a whole normal week, every weekday included, gives no anomalies', async () => {
    const weekdays = new Set(normalWeek.map((r) => new Date(r.time).getUTCDay()));
    expect(weekdays.size).toBe(7);
    const reply = await detect(ctx, { data: base64(druidResponse(normalWeek)), model: base64('sensor-a') });
    expect(reply.anomalies).toEqual([]);
    expect(reply.predicted).toHaveLength(normalWeek.length);
  });

  it('reports a spike on several metrics once, with every exceeded metric', async () => {
    const spiked: MetricRow[] = normalWeek.map((row, i) =>
      i === 100
        ? { ...row, values: { ...row.values, bytes: row.values.bytes! * 30, pkts: row.values.pkts! * 30 } }
        : row,
    );
    const reply = await detect(ctx, { data: base64(druidResponse(spiked)), model: base64('sensor-a') });
    const spikeAt = new Date(spiked[100]!.time).toISOString();
    expect(reply.anomalies.filter((a) => a.timestamp === spikeAt)).toHaveLength(1);
    const anomaly = reply.anomalies.find((a) => a.timestamp === spikeAt)!;
    expect(anomaly.exceeded).toEqual(expect.arrayContaining(['bytes', 'pkts']));
    expect(anomaly.observed).toBe(spiked[100]!.values.bytes);
    expect(anomaly.observed!).toBeGreaterThan(anomaly.upper!);
    expect(anomaly.score!).toBeGreaterThan(1);
    const stamps = reply.anomalies.map((a) => a.timestamp);
    expect(new Set(stamps).size).toBe(stamps.length);
  });

  it.each([1440, 20])('predicts every one of %d rows (no dropped tail, no minimum of 32)', async (count) => {
    const rows = trafficRows(count, { start: START + 15 * 24 * HOUR, stepMs: count === 20 ? HOUR : 60_000 });
    const reply = await detect(ctx, { data: base64(druidResponse(rows)), model: base64('sensor-a') });
    expect(reply.predicted.map((p) => Date.parse(p.timestamp))).toEqual(rows.map((r) => r.time));
    expect(reply.predicted.every((p) => p.forecast !== null && p.lower! <= p.upper!)).toBe(true);
  });
});

describe('K', () => {
  // In a worker: K reaches the workers' own copies of the model.
  it('overrides the k-sigma threshold of trained models', async () => {
    const spiked = normalWeek.map((row, i) =>
      i === 50 ? { ...row, values: { ...row.values, bytes: row.values.bytes! * 3 } } : row,
    );
    const data = base64(druidResponse(spiked));
    const strict = await startMetricApp({ modelStore: store, env: { K: '1', METRIC_WORKERS: '1' } });
    const lax = await startMetricApp({ modelStore: store, env: { K: '1000', METRIC_WORKERS: '1' } });
    try {
      const many = await detect(strict, { data, model: base64('sensor-a') });
      const none = await detect(lax, { data, model: base64('sensor-a') });
      expect(none.anomalies).toEqual([]);
      expect(many.anomalies.length).toBeGreaterThan(0);
      const at = (r: OutliersReply) => r.predicted.map((p) => [p.lower, p.upper]);
      // Same model, wider band with the larger k.
      expect(none.predicted[0]!.upper!).toBeGreaterThan(many.predicted[0]!.upper!);
      expect(at(none)).not.toEqual(at(many));
    } finally {
      await strict.close();
      await lax.close();
    }
  }, 30_000);
});

describe.each(['0', '2'])('hot swap, METRIC_WORKERS=%s', (workers) => {
  it('swaps to a new version under load; no request fails or sees a broken version', async () => {
    const swapDir = await tempDir();
    const swapStore = new DiskModelStore(swapDir.path);
    const v1 = (await swapStore.publish('hot', files)).version;
    const app = await startMetricApp({
      modelStore: swapStore,
      env: { MODEL_REFRESH_MS: '20', METRIC_WORKERS: workers },
    });
    const data = base64(druidResponse(normalWeek.slice(0, 48)));
    const seen: string[] = [];
    // Versions answered to requests sent after some request had been answered with the newest version.
    const sentAfterSwap: string[] = [];
    let newest = '';
    let failures = 0;
    let running = true;
    const load = Array.from({ length: 4 }, async () => {
      while (running) {
        const afterSwap = newest !== '' && seen.includes(newest);
        const res = await app.app.inject({
          method: 'POST',
          url: '/api/v1/outliers',
          ...formRequest({ data, model: base64('hot') }),
        });
        if (res.statusCode !== 200) failures++;
        else {
          const version = res.json<OutliersReply>().model.version!;
          seen.push(version);
          if (afterSwap) sentAfterSwap.push(version);
        }
      }
    });
    try {
      await vi.waitFor(() => expect(seen.length).toBeGreaterThan(5), { timeout: 15_000 });
      // A version that cannot be loaded (garbage weights, sizes consistent) must never be served.
      await swapStore.publish('hot', { ...files, 'weights.bin': new Uint8Array(16) });
      await new Promise((r) => setTimeout(r, 200));
      const v3 = (await swapStore.publish('hot', files)).version;
      newest = v3;
      await vi.waitFor(() => expect(sentAfterSwap.length).toBeGreaterThan(5), { timeout: 10_000 });
      running = false;
      await Promise.all(load);
      expect(failures).toBe(0);
      expect(new Set(seen)).toEqual(new Set([v1, v3]));
      // Once the new version answered, requests sent later never got the old one (with worker threads, requests
      // already under way may still finish with it).
      expect(sentAfterSwap.every((v) => v === v3)).toBe(true);
    } finally {
      running = false;
      await Promise.all(load);
      await app.close();
      await swapDir.remove();
    }
  }, 30_000);
});

describe('S3 model store', () => {
  it('serves a model published to S3 (s3rver), chosen by S3_ENDPOINT / S3_BUCKET', async () => {
    const s3 = await startTestS3('outliers-models');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
    const app = await startMetricApp({
      env: {
        S3_ENDPOINT: s3.endpoint,
        S3_BUCKET: s3.bucket,
        S3_PREFIX: 'prod/models',
        S3_REGION: 'us-east-1',
      },
    });
    try {
      const { version } = await s3.store('prod/models').publish('sensor-s3', files);
      const reply = await detect(app, {
        data: base64(druidResponse(normalWeek)),
        model: base64('sensor-s3'),
      });
      expect(reply.model).toEqual({ name: 'sensor-s3', kind: 'autoencoder', version, resolvedBy: 'model' });
      const missing = await app.app.inject({
        method: 'POST',
        url: '/api/v1/outliers',
        ...formRequest({ data: base64(druidResponse(normalWeek)), model: base64('not-in-s3') }),
      });
      expect(missing.statusCode).toBe(404);
    } finally {
      await app.close();
      await s3.close();
      vi.unstubAllEnvs();
    }
  });
});
