import { describe, expect, it } from 'vitest';
import { averageSlices, gatherSlices, padToWindow, sliceStarts } from './slicing.js';

describe('slicing', () => {
  it('covers every row: regular starts plus one anchored at the end', () => {
    expect(sliceStarts(64, 32, 16)).toEqual([0, 16, 32]);
    expect(sliceStarts(70, 32, 16)).toEqual([0, 16, 32, 38]);
    expect(sliceStarts(32, 32, 16)).toEqual([0]);
  });

  it('left-pads short series with copies of the first row', () => {
    const matrix = { data: Float32Array.from([1, 10, 2, 20]), rows: 2, width: 2 };
    const { matrix: padded, padding } = padToWindow(matrix, 4);
    expect(padding).toBe(2);
    expect(Array.from(padded.data)).toEqual([1, 10, 1, 10, 1, 10, 2, 20]);
    expect(padToWindow(padded, 4).padding).toBe(0);
  });

  it('averages overlapping slice outputs back onto the timeline (identity round trip)', () => {
    const rows = 7;
    const matrix = { data: Float32Array.from({ length: rows }, (_, i) => i), rows, width: 1 };
    const starts = sliceStarts(rows, 4, 2);
    expect(starts).toEqual([0, 2, 3]);
    const slices = gatherSlices(matrix, starts, 4);
    expect(Array.from(slices)).toEqual([0, 1, 2, 3, 2, 3, 4, 5, 3, 4, 5, 6]);
    expect(Array.from(averageSlices(slices, starts, 4, rows, 1))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // Row 3 is in all three slices: its output is the mean of what each slice said about it.
    const outputs = Float32Array.from(slices, (v, i) => (v === 3 ? [3, 6, 9][Math.floor(i / 4)]! : v));
    expect(averageSlices(outputs, starts, 4, rows, 1)[3]).toBe(6);
  });
});
