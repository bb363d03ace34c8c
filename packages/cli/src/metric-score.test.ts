import type { MetricDetection } from '@outliers/core';
import { describe, expect, it } from 'vitest';
import { addRequest, emptyScore, metricFigures } from './metric-score.js';
import { GRANULARITIES, sensorTraffic } from './metric-traffic.js';

/** A detection that flags the given rows and reports `expected` as the clean value (or the observed one). */
function detection(
  traffic: ReturnType<typeof sensorTraffic>,
  flagged: Set<number>,
  expectClean: boolean,
): MetricDetection {
  return {
    model: 'test',
    metrics: ['bytes'],
    points: traffic.rows.map((row, i) => ({
      time: row.time,
      observed: row.values,
      expected: (expectClean ? traffic.clean[i]! : row).values,
      lower: row.values,
      upper: row.values,
      score: flagged.has(i) ? 2 : 0,
      anomalous: flagged.has(i),
      exceeded: flagged.has(i) ? ['bytes'] : [],
    })),
  };
}

describe('metric traffic and its score', () => {
  it('generates the same labelled traffic from the same seed, every kind placed apart', () => {
    const a = sensorTraffic(7, 2, 'minute');
    expect(sensorTraffic(7, 2, 'minute')).toEqual(a);
    expect(a.rows).toHaveLength(GRANULARITIES.minute.requestRows);
    expect(a.history).toHaveLength(GRANULARITIES.minute.historyRows);
    expect(a.events.map((e) => e.kind).sort()).toEqual([
      'decorrelation',
      'dip',
      'outage',
      'shift',
      'spike',
      'spike',
    ]);
    const sorted = [...a.events].sort((x, y) => x.start - y.start);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start).toBeGreaterThan(sorted[i - 1]!.end);
    const outage = a.events.find((e) => e.kind === 'outage')!;
    expect(a.rows[outage.start]!.values.bytes).toBe(0);
    expect(a.clean[outage.start]!.values.bytes).toBeGreaterThan(0);
    // Post-aggregations follow their aggregations, as Druid derives them.
    const row = a.rows[10]!.values;
    expect(row.bps).toBeCloseTo((row.bytes! * 8) / 60, 9);
    expect(row.bytes_per_client).toBeCloseTo(row.bytes! / row.clients!, 9);
  });

  it('scores recall per kind, point precision, F1 and how often expected is nearer the clean value', () => {
    const traffic = sensorTraffic(7, 2, 'hour');
    const [first, ...rest] = traffic.events;
    // The first event's first row and one row outside every event.
    const outside = rest.reduce((t, e) => (t >= e.start && t <= e.end ? e.end + 1 : t), 0);
    const score = emptyScore();
    addRequest(
      score,
      { ...traffic, detection: detection(traffic, new Set([first!.start, outside]), true) },
      'bytes',
    );
    const figures = metricFigures(score);
    const kinds = traffic.events.map((e) => e.kind);
    const count = (kind: string) => kinds.filter((k) => k === kind).length;
    expect(figures.recall[first!.kind]).toBeCloseTo(1 / count(first!.kind), 12);
    expect(figures.precision).toBe(0.5);
    expect(figures.eventRecall).toBeCloseTo(1 / 6, 12);
    expect(figures.f1).toBeCloseTo((2 * 0.5 * (1 / 6)) / (0.5 + 1 / 6), 12);
    expect(figures.expectedNearer.outage).toBe(1);

    const observedAsExpected = emptyScore();
    addRequest(observedAsExpected, { ...traffic, detection: detection(traffic, new Set(), false) }, 'bytes');
    expect(metricFigures(observedAsExpected).expectedNearer.outage).toBe(0);
    expect(metricFigures(observedAsExpected).f1).toBe(0);
  });
});
