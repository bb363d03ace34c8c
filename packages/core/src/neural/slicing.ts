/**
 * Feature matrices to network slices and back. Every row is covered: slices start every `stride` rows and one more
 * slice is anchored at the end when the last regular one stops short (the reference silently skipped that tail).
 * A series shorter than the window is left-padded with copies of its first row, so it fills one slice; the padding
 * rows' reconstructions are discarded.
 */
import type { FeatureMatrix } from './features.js';

/** Start rows of the slices covering `rows` rows (rows >= window). */
export function sliceStarts(rows: number, window: number, stride: number): number[] {
  const starts: number[] = [];
  for (let start = 0; start + window <= rows; start += stride) starts.push(start);
  const last = rows - window;
  if (starts[starts.length - 1] !== last) starts.push(last);
  return starts;
}

/** The matrix left-padded to at least `window` rows with copies of its first row; `padding` is how many. */
export function padToWindow(
  matrix: FeatureMatrix,
  window: number,
): { matrix: FeatureMatrix; padding: number } {
  const padding = Math.max(0, window - matrix.rows);
  if (padding === 0) return { matrix, padding };
  const { width } = matrix;
  const data = new Float32Array((matrix.rows + padding) * width);
  const first = matrix.data.subarray(0, width);
  for (let r = 0; r < padding; r++) data.set(first, r * width);
  data.set(matrix.data, padding * width);
  return { matrix: { data, rows: matrix.rows + padding, width }, padding };
}

/** The slices as one row-major batch: slice s is `window * width` values starting at `starts[s] * width`. */
export function gatherSlices(matrix: FeatureMatrix, starts: readonly number[], window: number): Float32Array {
  const size = window * matrix.width;
  const batch = new Float32Array(starts.length * size);
  starts.forEach((start, s) => {
    batch.set(matrix.data.subarray(start * matrix.width, start * matrix.width + size), s * size);
  });
  return batch;
}

/** The first `columns` columns of every row (the metric columns), row-major. */
export function leadingColumns(matrix: FeatureMatrix, columns: number): Float32Array {
  const out = new Float32Array(matrix.rows * columns);
  for (let r = 0; r < matrix.rows; r++) {
    out.set(matrix.data.subarray(r * matrix.width, r * matrix.width + columns), r * columns);
  }
  return out;
}

/**
 * Averages the per-slice outputs (`columns` values per row, slices laid out as in `gatherSlices`) back onto the
 * `rows`-row timeline: each row's value is the mean over the slices that contain it.
 */
export function averageSlices(
  outputs: Float32Array,
  starts: readonly number[],
  window: number,
  rows: number,
  columns: number,
): Float64Array {
  const sums = new Float64Array(rows * columns);
  const counts = new Uint16Array(rows);
  starts.forEach((start, s) => {
    const base = s * window * columns;
    for (let i = 0; i < window; i++) {
      counts[start + i]!++;
      for (let c = 0; c < columns; c++) sums[(start + i) * columns + c]! += outputs[base + i * columns + c]!;
    }
  });
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) sums[r * columns + c]! /= counts[r]!;
  }
  return sums;
}
