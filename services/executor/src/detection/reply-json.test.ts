import type { MetricDetection, MetricPoint } from '@outliers/core';
import fastJsonStringify from 'fast-json-stringify';
import { describe, expect, it } from 'vitest';
import { OutliersReply } from '../schemas/druid-query.js';
import { replyJson } from './reply-json.js';

/** The schema's own serialiser, as Fastify would compile it for the route: the reference for the text. */
const serializeBySchema = fastJsonStringify(OutliersReply);

/** The reply as an object, field by field from the schema's descriptions. */
function expectedReply(
  detection: MetricDetection | undefined,
  metric: string,
  model: OutliersReply['model'],
  missing: ReadonlySet<number> = new Set(),
): OutliersReply {
  const finite = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v : null);
  const points = detection?.points ?? [];
  const row = (p: MetricPoint) => ({
    timestamp: new Date(p.time).toISOString(),
    observed: finite(p.observed[metric]),
    lower: finite(p.lower[metric]),
    upper: finite(p.upper[metric]),
    ...(missing.has(p.time) ? { missing: true as const } : {}),
  });
  return {
    status: 'success',
    anomalies: points
      .filter((p) => p.anomalous)
      .map((p) => ({
        ...row(p),
        expected: finite(p.expected[metric]),
        exceeded: p.exceeded,
        score: finite(p.score),
      })),
    predicted: points.map((p) => ({ ...row(p), forecast: finite(p.expected[metric]) })),
    metric,
    model,
  };
}

function point(time: number, values: Record<string, number>, anomalous: boolean): MetricPoint {
  const shifted = (by: number) => Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v + by]));
  return {
    time,
    observed: values,
    expected: shifted(0.1),
    lower: shifted(-1.5),
    upper: shifted(2.25),
    score: anomalous ? 1.0239273027774478 : 0.3,
    anomalous,
    exceeded: anomalous ? Object.keys(values) : [],
  };
}

describe('replyJson', () => {
  const model = {
    name: 'traffic-7',
    kind: 'autoencoder',
    version: '2024-05-06T00:00:00.000Z',
    resolvedBy: 'sensor',
  };
  const detection: MetricDetection = {
    model: 'autoencoder',
    metrics: ['bytes', 'pkts'],
    points: [
      point(Date.UTC(2024, 4, 6, 23, 59), { bytes: 2925000, pkts: 3250.5 }, false),
      point(Date.UTC(2024, 4, 7), { bytes: 38697126, pkts: -0.000001234 }, true),
      point(Date.UTC(2024, 4, 7, 0, 1), { bytes: 1e21, pkts: 5e-324 }, false),
      { ...point(Date.UTC(2024, 4, 7, 0, 2), { bytes: 1, pkts: 2 }, true), score: Number.POSITIVE_INFINITY },
      { ...point(Date.UTC(2024, 4, 7, 0, 3), { pkts: 2 }, false), lower: { bytes: Number.NaN } },
    ],
  };

  it.each([
    ['a metric the detection has', 'pkts'],
    ['METRIC when the detection lacks it (its first metric)', 'clients'],
  ])(
    'writes, for %s, the text the reply schema serialises, nulls where a value is missing or not finite',
    (_, preferred) => {
      const metric = detection.metrics.includes(preferred) ? preferred : 'bytes';
      const reply = expectedReply(detection, metric, model);
      const text = replyJson(detection, preferred, model);
      expect(text).toBe(serializeBySchema(reply));
      expect(JSON.parse(text)).toEqual(reply);
    },
  );

  it('marks the entries of filled buckets missing, anomalous or not, in the schema serialiser key order', () => {
    const missing = new Set([Date.UTC(2024, 4, 7), Date.UTC(2024, 4, 7, 0, 1)]);
    const reply = expectedReply(detection, 'bytes', model, missing);
    const text = replyJson(detection, 'bytes', model, missing);
    expect(text).toBe(serializeBySchema(reply));
    expect(JSON.parse(text)).toEqual(reply);
    const parsed = JSON.parse(text) as OutliersReply;
    expect(parsed.predicted.map((p) => p.missing)).toEqual([undefined, true, true, undefined, undefined]);
    expect(parsed.anomalies.map((a) => a.missing)).toEqual([true, undefined]);
  });

  it('writes empty lists when there were no rows, and names that need escaping', () => {
    const odd = { name: 'a"b\\c', kind: 'shallow', resolvedBy: 'fallback' };
    expect(replyJson(undefined, 'by\u00e9tes\n', odd)).toBe(
      serializeBySchema(expectedReply(undefined, 'by\u00e9tes\n', odd)),
    );
    const named: MetricDetection = {
      model: 'shallow',
      metrics: ['m"1'],
      points: [point(0, { 'm"1': 4 }, true)],
    };
    expect(replyJson(named, 'm"1', odd)).toBe(serializeBySchema(expectedReply(named, 'm"1', odd)));
  });
});
