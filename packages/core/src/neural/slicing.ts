/**
 * Feature matrices to network batches and back, over the window plans of transform/windows.ts (every row covered:
 * strided windows plus one anchored at the end; the reference silently skipped that tail). A series shorter than the window is left-padded with copies of its first row, so it fills one slice; the padding
 * rows' reconstructions are discarded.
 */
import { averageOverlapping, sliceWindows, type WindowPlan } from '../transform/windows.js';
import type { FeatureMatrix } from './features.js';

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

/** The windows of `plan` as one row-major network batch (windows x length x width values). */
export function windowBatch(matrix: FeatureMatrix, plan: WindowPlan): Float32Array {
  const size = plan.length * matrix.width;
  const batch = new Float32Array(plan.starts.length * size);
  sliceWindows(matrix.data, plan, matrix.width).forEach((window, w) => {
    batch.set(window, w * size);
  });
  return batch;
}

/** The first `columns` columns of every row (the metric columns), row-major. */
export function leadingColumns(matrix: FeatureMatrix, columns: number): Float32Array {
  const { data, rows, width } = matrix;
  const out = new Float32Array(rows * columns);
  // Value by value: a subarray view per row (1440 of them for a day) cost more than the copying.
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) out[r * columns + c] = data[r * width + c]!;
  }
  return out;
}

/** Network outputs (windows x length x `columns` values, in `plan` order) averaged onto the timeline. */
export function averageBatch(outputs: Float32Array, plan: WindowPlan, columns: number): Float64Array {
  const size = plan.length * columns;
  const windows = plan.starts.map((_, w) => outputs.subarray(w * size, (w + 1) * size));
  return averageOverlapping(windows, plan, columns);
}
