import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMetricRows, rowsInPeriod } from './metric-rows-file.js';
import { readModelFiles, writeModelFiles } from './model-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'outliers-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readMetricRows', () => {
  it('reads a Druid timeseries response', () => {
    const path = join(dir, 'rows.json');
    writeFileSync(
      path,
      JSON.stringify([
        { timestamp: '2024-05-31T08:00:00.000Z', result: { bytes: 10, pkts: 2 } },
        { timestamp: '2024-05-31T09:00:00.000Z', result: { bytes: 12, pkts: 3 } },
      ]),
    );
    expect(readMetricRows(path)).toEqual([
      { time: Date.parse('2024-05-31T08:00:00.000Z'), values: { bytes: 10, pkts: 2 } },
      { time: Date.parse('2024-05-31T09:00:00.000Z'), values: { bytes: 12, pkts: 3 } },
    ]);
  });

  it('reads a CSV with a timestamp column and one column per metric; empty cells become NaN', () => {
    const path = join(dir, 'rows.csv');
    writeFileSync(path, 'bytes,timestamp,pkts\n10,2024-05-31 08:00:00,2\n12,2024-05-31T09:00:00Z,\n');
    const rows = readMetricRows(path);
    expect(rows[0]).toEqual({ time: Date.parse('2024-05-31T08:00:00Z'), values: { bytes: 10, pkts: 2 } });
    expect(rows[1]!.time).toBe(Date.parse('2024-05-31T09:00:00Z'));
    expect(rows[1]!.values.pkts).toBeNaN();
  });

  it('names the file and place of what it cannot read', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[{"timestamp":"yesterday","result":{}}]');
    expect(() => readMetricRows(bad)).toThrow(/bad\.json: \[0\]\.timestamp/);
    const headless = join(dir, 'headless.csv');
    writeFileSync(headless, 'time,bytes\n1,2\n');
    expect(() => readMetricRows(headless)).toThrow(/'timestamp' column/);
  });
});

describe('model directory', () => {
  it('writes the three files (no temporaries left) and reads them back', () => {
    const files = {
      'model.json': new TextEncoder().encode('{"format":"layers-model"}'),
      'weights.bin': Uint8Array.from([1, 2, 3, 4]),
      'metadata.json': new TextEncoder().encode('{"formatVersion":1}'),
    };
    const target = join(dir, 'model');
    writeModelFiles(target, files);
    expect(readdirSync(target).sort()).toEqual(['metadata.json', 'model.json', 'weights.bin']);
    expect(readModelFiles(target)).toEqual(files);
  });
});

describe('rowsInPeriod', () => {
  const rows = [0, 1, 2, 3].map((h) => ({ time: Date.UTC(2024, 4, 31, h), values: { bytes: h } }));
  const at = (h: number) => new Date(Date.UTC(2024, 4, 31, h));

  it('keeps [from, to): from inclusive, to exclusive, either may be open', () => {
    expect(rowsInPeriod(rows, { from: at(1), to: at(3) }, 'f').map((r) => r.values.bytes)).toEqual([1, 2]);
    expect(rowsInPeriod(rows, { from: at(2) }, 'f').map((r) => r.values.bytes)).toEqual([2, 3]);
    expect(rowsInPeriod(rows, { to: at(1) }, 'f').map((r) => r.values.bytes)).toEqual([0]);
    expect(rowsInPeriod(rows, {}, 'f')).toBe(rows);
  });

  it('names the flags and the span of the file when no row falls inside', () => {
    expect(() => rowsInPeriod(rows, { from: at(5), to: at(6) }, 'f.json')).toThrow(
      '--from/--to: no rows of f.json in [2024-05-31T05:00:00.000Z, 2024-05-31T06:00:00.000Z) (its rows span 2024-05-31T00:00:00.000Z .. 2024-05-31T03:00:00.000Z)',
    );
    expect(() => rowsInPeriod(rows, { to: at(0) }, 'f.json')).toThrow(/^--to: no rows of f\.json in \[-∞, /);
  });
});
