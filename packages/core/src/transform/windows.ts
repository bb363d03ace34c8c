/**
 * Fixed-length windows over a series and the way back: cut a series into overlapping slices with a stride, run a
 * model on each slice, and average the per-slice outputs onto one timeline.
 *
 * Every point is covered: after the strided windows 0, s, 2s, … a last window is anchored at the end of the
 * series when they leave a tail (the reference service silently never evaluated its last (n − 32) mod 16 points).
 * A series shorter than the window gets one window over all of it, of its own length; a model that needs a fixed
 * input length pads that window itself (how to pad is a modelling choice) and passes back the first `length`
 * outputs.
 *
 * Values may be multivariate: `width` values per time step, flattened row by row (time-major).
 */
import { assertFiniteArray, InvalidInputError, type NumberArray } from '../errors.js';

export interface WindowPlan {
  /** Number of time steps in the series. */
  total: number;
  /** Time steps per window: the requested length, or `total` for a shorter series. */
  length: number;
  /** First time step of each window, ascending; the last is total − length. */
  starts: number[];
}

function checkCount(name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new InvalidInputError(name, `must be an integer >= ${minimum}, got ${value}`);
  }
}

/**
 * Plans windows of `length` time steps every `stride` steps over `total` steps, covering each step at least once.
 * @throws {InvalidInputError} naming `total`, `length` or `stride` unless they are positive integers with
 *   stride ≤ length (a longer stride would skip points).
 * @example planWindows(40, 32, 16) // { total: 40, length: 32, starts: [0, 8] }
 */
export function planWindows(total: number, length: number, stride: number): WindowPlan {
  checkCount('total', total, 1);
  checkCount('length', length, 1);
  checkCount('stride', stride, 1);
  if (stride > length) throw new InvalidInputError('stride', `must be <= length (${length}), got ${stride}`);
  const span = Math.min(length, total);
  const starts: number[] = [];
  for (let start = 0; start + span <= total; start += stride) starts.push(start);
  if (starts[starts.length - 1]! + span < total) starts.push(total - span);
  return { total, length: span, starts };
}

/**
 * Copies each planned window out of `values` (total × width numbers, time-major).
 * @throws {InvalidInputError} naming `values` when its length is not total × width or a value is not finite.
 * @example sliceWindows([1, 2, 3, 4, 5], planWindows(5, 3, 2)) // [[1, 2, 3], [3, 4, 5]] as Float64Arrays
 */
export function sliceWindows(values: NumberArray, plan: WindowPlan, width = 1): Float64Array[] {
  checkCount('width', width, 1);
  assertFiniteArray('values', values);
  if (values.length !== plan.total * width) {
    throw new InvalidInputError('values', `expected ${plan.total} × ${width} values, got ${values.length}`);
  }
  const source = values instanceof Float64Array ? values : Float64Array.from(values);
  return plan.starts.map((start) => source.slice(start * width, (start + plan.length) * width));
}

/**
 * Averages per-window outputs (each length × width numbers, in `plan.starts` order) onto one timeline of
 * total × width numbers: every time step gets the mean of the outputs of the windows that contain it.
 * O(windows × length × width).
 * @throws {InvalidInputError} naming `outputs` when their number or sizes do not match the plan, or a value is
 *   not finite.
 * @example averageOverlapping([[1, 1, 1], [3, 3, 3]], planWindows(5, 3, 2)) // Float64Array [1, 1, 2, 3, 3]
 */
export function averageOverlapping(
  outputs: readonly NumberArray[],
  plan: WindowPlan,
  width = 1,
): Float64Array {
  checkCount('width', width, 1);
  if (outputs.length !== plan.starts.length) {
    throw new InvalidInputError('outputs', `expected ${plan.starts.length} windows, got ${outputs.length}`);
  }
  const size = plan.length * width;
  const sums = new Float64Array(plan.total * width);
  const counts = new Uint32Array(plan.total);
  outputs.forEach((output, w) => {
    assertFiniteArray(`outputs[${w}]`, output);
    if (output.length !== size) {
      throw new InvalidInputError(
        `outputs[${w}]`,
        `expected ${plan.length} × ${width} values, got ${output.length}`,
      );
    }
    const start = plan.starts[w]!;
    for (let t = 0; t < plan.length; t++) counts[start + t]!++;
    const offset = start * width;
    for (let i = 0; i < size; i++) sums[offset + i]! += output[i]!;
  });
  for (let i = 0; i < sums.length; i++) sums[i]! /= counts[Math.floor(i / width)]!;
  return sums;
}
