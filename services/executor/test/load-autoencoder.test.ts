import type { MetricRow } from '@outliers/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LoadedAutoencoder, loadAutoencoder } from '../src/detection/load-autoencoder.js';
import { HOUR, START, trafficRows } from './support/metric-support.js';

const MINUTE = 60_000;

/** One-minute buckets hold 1/60 of an hourly bucket's traffic. */
function minuteRows(count: number, phase = 0): MetricRow[] {
  return trafficRows(count, { stepMs: MINUTE, phase }).map((row) => ({
    time: row.time,
    values: Object.fromEntries(Object.entries(row.values).map(([k, v]) => [k, v / 60])),
  }));
}

async function trainedFiles(rows: MetricRow[]): Promise<Record<string, Uint8Array>> {
  const { trainModel } = await import('@outliers/core/autoencoder');
  const model = await trainModel(rows, { epochs: 30, seed: 1 });
  const files = await model.toFiles();
  model.dispose();
  return files;
}

describe('loadAutoencoder', () => {
  let hourly: Record<string, Uint8Array>;
  let minutely: Record<string, Uint8Array>;
  let family: LoadedAutoencoder;

  beforeAll(async () => {
    [hourly, minutely] = await Promise.all([
      trainedFiles(trafficRows(24 * 10)),
      trainedFiles(minuteRows(24 * 60, 0)),
    ]);
    // A version as the trainer publishes it: the primary (finest) model at the root, every model by granularity.
    const version: Record<string, Uint8Array> = { ...minutely };
    for (const [name, bytes] of Object.entries(minutely)) version[`PT1M.${name}`] = bytes;
    for (const [name, bytes] of Object.entries(hourly)) version[`PT1H.${name}`] = bytes;
    version['granularities.json'] = new TextEncoder().encode(
      JSON.stringify({ primary: 'PT1M', models: { PT1M: {}, PT1H: {} }, skipped: {} }),
    );
    family = await loadAutoencoder(version);
  }, 120_000);

  it('judges each series with the network trained at its sampling interval', async () => {
    const hourlyModel = await loadAutoencoder(hourly);
    const minuteModel = await loadAutoencoder(minutely);
    const hourSeries = trafficRows(48, { start: START + 10 * 24 * HOUR, phase: 1 });
    const minuteSeries = minuteRows(180, 1);

    expect(family.detect(hourSeries)).toEqual(hourlyModel.detect(hourSeries));
    expect(family.detect(minuteSeries)).toEqual(minuteModel.detect(minuteSeries));
    // Why it matters: the 1-minute network reads hourly buckets as a flood.
    const wrong = minuteModel.detect(hourSeries).points.filter((p) => p.anomalous).length;
    const right = family.detect(hourSeries).points.filter((p) => p.anomalous).length;
    expect(wrong).toBeGreaterThan(hourSeries.length / 2);
    expect(right).toBe(0);
    hourlyModel.dispose();
    minuteModel.dispose();
  });

  it('loads a plain model (no granularity index) as it is', async () => {
    const model = await loadAutoencoder(hourly);
    const rows = trafficRows(40, { start: START + 10 * 24 * HOUR, phase: 2 });
    expect(model.detect(rows).points).toHaveLength(40);
    model.dispose();
  });
});
