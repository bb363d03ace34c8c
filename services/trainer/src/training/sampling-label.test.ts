import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricRow } from '@outliers/core';
import { granularitySeconds, parseGranularity } from '@outliers/druid';
import { describe, expect, it } from 'vitest';
import { FileTrainingSource } from './file-source.js';
import { samplingLabel } from './sampling-label.js';

const rows = (stepMs: number, count = 5, start = Date.UTC(2024, 4, 1)): MetricRow[] =>
  Array.from({ length: count }, (_, i) => ({ time: start + i * stepMs, values: { bytes: i } }));

describe('samplingLabel', () => {
  it.each([
    [60_000, 'PT1M'],
    [300_000, 'PT5M'],
    [3_600_000, 'PT1H'],
    [86_400_000, 'P1D'],
    [90_000, 'PT1M30S'],
    [500, 'PT0.5S'],
    [93_784_000, 'P1DT2H3M4S'],
  ])('a gap of %d ms is %s, a granularity the executor reads back to the same length', (stepMs, label) => {
    expect(samplingLabel(rows(stepMs))).toBe(label);
    expect(granularitySeconds(parseGranularity(label)) * 1000).toBe(stepMs);
  });

  it('takes the median gap: a missing row or a duplicate time does not change it', () => {
    const series = rows(60_000, 10);
    series.splice(4, 1);
    series.push({ ...series.at(-1)! });
    expect(samplingLabel(series)).toBe('PT1M');
  });

  it('needs two distinct times', () => {
    expect(() => samplingLabel(rows(60_000, 1))).toThrow(/^rows: /);
    expect(() => samplingLabel([...rows(0, 3)])).toThrow(/^rows: /);
  });
});

describe('FileTrainingSource', () => {
  it('labels the file by its sampling interval, never by a name the executor cannot read as a granularity', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'file-source-'));
    try {
      const file = join(dir, 'hourly.csv');
      await writeFile(
        file,
        'time,bytes\n2024-05-01T00:00:00Z,1\n2024-05-01T01:00:00Z,2\n2024-05-01T02:00:00Z,3\n',
      );
      const [series] = await new FileTrainingSource().load({ name: 's', metrics: ['bytes'], file });
      expect(series!.label).toBe('PT1H');
      expect(series!.rows).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
