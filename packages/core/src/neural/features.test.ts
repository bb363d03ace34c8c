import { describe, expect, it } from 'vitest';
import type { MetricRow } from '../metric-detection.js';
import {
  buildFeatures,
  featureNames,
  fitFeatureSpec,
  saturateMetrics,
  scaleMetric,
  signedExp,
  signedLog,
  unscaleMetric,
} from './features.js';

const HOUR = 3_600_000;
const rows = (count: number, stepMs: number, value = (i: number) => i): MetricRow[] =>
  Array.from({ length: count }, (_, i) => ({ time: i * stepMs, values: { a: value(i), b: -value(i) } }));

describe('features', () => {
  it('signed log is odd, inverts to float precision and keeps zero', () => {
    for (const x of [0, 1e-3, 1, 632, 3.8e9, -5]) {
      expect(Math.abs(signedExp(signedLog(x)) - x)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(x)));
      expect(signedLog(-x)).toBe(-signedLog(x));
    }
    expect(signedLog(Math.E - 1)).toBeCloseTo(1, 15);
  });

  it('scales each metric onto [0, 1] of its training range (1st to 99th percentile) in log space and back', () => {
    const spec = fitFeatureSpec(
      rows(10, HOUR, (i) => 10 ** i),
      ['a'],
    );
    // Ten rows: the percentiles are the order statistics of rank floor(0.01 * 9) = 0 and floor(0.99 * 9) = 8.
    const [low, high, middle, above] = scaleMetric(spec, 0, [1, 1e8, 1e4, 1e9]);
    expect(low).toBe(0);
    expect(high).toBeCloseTo(1, 12);
    // log1p(1e4) sits between log1p(1) and log1p(1e8) in proportion; the largest training value lies beyond 1
    expect(middle).toBeCloseTo((Math.log1p(1e4) - Math.log(2)) / (Math.log1p(1e8) - Math.log(2)), 12);
    expect(above).toBeGreaterThan(1);
    const values = [0, 1, 50, 1e12];
    unscaleMetric(spec, 0, scaleMetric(spec, 0, values)).forEach((x, i) => {
      expect(x).toBeCloseTo(values[i]!, 0);
    });
    // A metric constant in training keeps a finite scale.
    const flat = fitFeatureSpec(
      rows(5, HOUR, () => 7),
      ['a'],
    );
    expect(Array.from(scaleMetric(flat, 0, [7]))).toEqual([0]);
    expect(Number.isFinite(scaleMetric(flat, 0, [70])[0]!)).toBe(true);
  });

  it('leaves an outage in the training rows out of the scaled range', () => {
    // Three days of minutes between 1000 and 2000, with an hour of zeros (more than 1 % of the rows).
    const traffic = rows(3 * 1440, 60_000, (i) => (i >= 2000 && i < 2060 ? 0 : 1000 + (i % 1001)));
    const spec = fitFeatureSpec(traffic, ['a']);
    const [quiet, busy] = scaleMetric(spec, 0, [1010, 1990]);
    expect(quiet).toBeLessThan(0.02);
    expect(busy).toBeGreaterThan(0.98);
    expect(scaleMetric(spec, 0, [0])[0]).toBeLessThan(-5);
  });

  it('uses a cyclic encoding only when the training rows span its period, and gaps only when irregular', () => {
    expect(featureNames(fitFeatureSpec(rows(23, HOUR), ['a']))).toEqual(['a']);
    expect(featureNames(fitFeatureSpec(rows(24, HOUR), ['a', 'b']))).toEqual([
      'a',
      'b',
      'time_of_day_sin',
      'time_of_day_cos',
    ]);
    expect(fitFeatureSpec(rows(7 * 24, HOUR), ['a']).dayOfWeek).toBe(true);
    const gappy = rows(30, HOUR).filter((_, i) => i !== 10);
    const spec = fitFeatureSpec(gappy, ['a']);
    expect(spec.gap).toEqual({ typicalGapMs: HOUR });
    const matrix = buildFeatures(gappy, spec);
    // Row 10 of the gappy series follows a two-hour gap: log2(2) = 1; regular rows give 0.
    const gapColumn = featureNames(spec).indexOf('gap_log2');
    expect(matrix.data[10 * matrix.width + gapColumn]).toBe(1);
    expect(matrix.data[9 * matrix.width + gapColumn]).toBe(0);
  });

  it('encodes time of day and all seven days of the week on the unit circle', () => {
    const week = rows(7 * 24, HOUR);
    const spec = fitFeatureSpec(week, ['a']);
    const { data, width } = buildFeatures(week, spec);
    const names = featureNames(spec);
    const column = (name: string, r: number) => data[r * width + names.indexOf(name)]!;
    // 06:00 UTC is a quarter of the day.
    expect(column('time_of_day_sin', 6)).toBeCloseTo(1, 6);
    expect(column('time_of_day_cos', 6)).toBeCloseTo(0, 6);
    // Midnight of each day: seven distinct points, none dropped.
    const days = new Set(Array.from({ length: 7 }, (_, d) => column('day_of_week_sin', d * 24).toFixed(4)));
    expect(days.size).toBe(7);
  });

  it('saturates only the metric columns, on a copy', () => {
    const matrix = { data: Float32Array.from([1.5, -0.5, 3, -0.2, 0.4, 2]), rows: 2, width: 3 };
    expect(Array.from(saturateMetrics(matrix, 2).data)).toEqual([1, 0, 3, 0, Math.fround(0.4), 2]);
    expect(matrix.data[0]).toBe(1.5);
  });
});
