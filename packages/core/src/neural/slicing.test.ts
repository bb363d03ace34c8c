import { describe, expect, it } from 'vitest';
import { planWindows } from '../transform/windows.js';
import { averageBatch, leadingColumns, padToWindow, windowBatch } from './slicing.js';

describe('slicing', () => {
  it('left-pads short series with copies of the first row', () => {
    const matrix = { data: Float32Array.from([1, 10, 2, 20]), rows: 2, width: 2 };
    const { matrix: padded, padding } = padToWindow(matrix, 4);
    expect(padding).toBe(2);
    expect(Array.from(padded.data)).toEqual([1, 10, 1, 10, 1, 10, 2, 20]);
    expect(padToWindow(padded, 4).padding).toBe(0);
  });

  it('packs the planned windows into one batch and averages outputs back (identity round trip)', () => {
    const rows = 7;
    const matrix = { data: Float32Array.from({ length: rows * 2 }, (_, i) => i), rows, width: 2 };
    const plan = planWindows(rows, 4, 2);
    expect(plan.starts).toEqual([0, 2, 3]);
    const batch = windowBatch(matrix, plan);
    expect(Array.from(batch.subarray(8, 16))).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(Array.from(averageBatch(batch, plan, 2))).toEqual(Array.from(matrix.data));
    // Row 3 is in all three windows: its output is the mean of what each window said about it.
    const outputs = batch.map((v, i) => (v === 6 ? [3, 6, 9][Math.floor(i / 8)]! : v));
    expect(averageBatch(outputs, plan, 2)[6]).toBe(6);
  });

  it('takes the leading (metric) columns', () => {
    const matrix = { data: Float32Array.from([1, 2, 3, 4, 5, 6]), rows: 2, width: 3 };
    expect(Array.from(leadingColumns(matrix, 2))).toEqual([1, 2, 4, 5]);
  });
});
