import { describe, expect, it } from 'vitest';
import { detectWithMetricModel, isMetricModel } from './metric-model-series.js';
import type { Series } from './series-csv.js';

/** 5-minute samples of a smooth daily cycle with a spike at row 300 (NAB-style timestamps). */
function series(): Series {
  const start = Date.UTC(2024, 0, 1);
  const timestamps: string[] = [];
  const values: number[] = [];
  for (let i = 0; i < 400; i++) {
    timestamps.push(new Date(start + i * 300_000).toISOString().replace('T', ' ').slice(0, 19));
    values.push(100 + 20 * Math.sin((2 * Math.PI * i) / 288) + (i % 7) * 0.5 + (i === 300 ? 80 : 0));
  }
  return { timestamps, values };
}

describe('detectWithMetricModel', () => {
  it('knows its detectors', () => {
    expect(isMetricModel('shallow')).toBe(true);
    expect(isMetricModel('autoencoder')).toBe(true);
    expect(isMetricModel('default')).toBe(false);
  });

  it('shallow: one verdict per value, the spike flagged, scores in [0, 1) with the decision at 0.5', async () => {
    const { scores, outliers } = await detectWithMetricModel(series(), 'shallow');
    expect(scores).toHaveLength(400);
    expect([...outliers.keys()].filter((i) => outliers[i])).toEqual([300]);
    expect(scores.every((s, i) => s >= 0 && s < 1 && s > 0.5 === (outliers[i] === 1))).toBe(true);
  });

  it('judges rows in file order when times repeat or go back', async () => {
    const repeated = series();
    repeated.timestamps[200] = repeated.timestamps[199]!;
    repeated.timestamps[250] = repeated.timestamps[100]!;
    const { outliers } = await detectWithMetricModel(repeated, 'shallow');
    expect(outliers).toHaveLength(400);
    expect(outliers[300]).toBe(1);
  });

  it('autoencoder: trains on the first 15 % and flags the spike', async () => {
    const { scores, outliers } = await detectWithMetricModel(series(), 'autoencoder', { seed: 1 });
    expect(scores).toHaveLength(400);
    expect(outliers[300]).toBe(1);
    expect(scores.indexOf(Math.max(...scores))).toBe(300);
  }, 60_000);
});
