/**
 * Smoothing by a centred triangular (Bartlett) kernel: s(t) = Σ_{|j| <= h} w_j x(t + j) / Σ w_j with
 * w_j = h + 1 - |j|, the series extended at both ends by repeating its first and last values (so a constant
 * series is its own smoothing and the output has the input's length).
 *
 * The half-width follows the reference shallow model's window rule: w = max(floor(0.05 n), min(n, floor(5 + ln n))),
 * rounded up to odd, h = floor(w / 2): about 5 % of the series, at least a few points (h = 5 for 239 hourly rows,
 * h = 36 for 1440 minutes). The reference's kernel differed only at the centre (weight h²/4 instead of h + 1).
 */
import { assertFiniteArray, type NumberArray } from '../errors.js';

/** Half-width h of the kernel for a series of n points. */
export function triangularHalfWidth(n: number): number {
  const window = Math.max(Math.floor(0.05 * n), Math.min(n, Math.floor(5 + Math.log(n))));
  return Math.floor((window % 2 === 0 ? window + 1 : window) / 2);
}

/**
 * The smoothed series. O(n h).
 * @throws {InvalidInputError} `values` when empty or not finite.
 * @example triangularSmooth([0, 0, 3, 0, 0], 1) // [0, 0.75, 1.5, 0.75, 0]
 */
export function triangularSmooth(
  values: NumberArray,
  halfWidth = triangularHalfWidth(values.length),
): Float64Array {
  assertFiniteArray('values', values);
  const n = values.length;
  const out = new Float64Array(n);
  const total = (halfWidth + 1) ** 2; // Σ (h + 1 - |j|) over |j| <= h
  for (let t = 0; t < n; t++) {
    let sum = 0;
    for (let j = -halfWidth; j <= halfWidth; j++) {
      const i = Math.min(n - 1, Math.max(0, t + j));
      sum += (halfWidth + 1 - Math.abs(j)) * values[i]!;
    }
    out[t] = sum / total;
  }
  return out;
}
