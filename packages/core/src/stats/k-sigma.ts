/**
 * The k-sigma threshold: mean + k · std of a sample of errors (e.g. an autoencoder's training reconstruction
 * errors, with k = 5 in the reference service).
 */
import { assertFiniteArray, InvalidInputError, type NumberArray } from '../errors.js';

export interface KSigma {
  mean: number;
  /** Population standard deviation (divisor n). */
  std: number;
  /** mean + k · std. */
  threshold: number;
}

/**
 * Mean, population standard deviation and the threshold mean + k·std of `errors`.
 *
 * The standard deviation divides by n (numpy's default `np.std`, ddof = 0), because the reference service's
 * thresholds were computed that way and models trained by it must keep their meaning; for the thousands of
 * errors a model is trained on, the difference from the sample (n − 1) estimate is negligible anyway.
 * Two passes (mean, then squared deviations) as numpy does, so a large common offset does not cancel.
 * Complexity O(n).
 * @throws {InvalidInputError} naming `errors` when it is empty or non-finite, or `k` when it is negative or
 *   not finite.
 * @example kSigma([1, 2, 3, 4], 2) // { mean: 2.5, std: 1.118033988749895, threshold: 4.73606797749979 }
 */
export function kSigma(errors: NumberArray, k: number): KSigma {
  assertFiniteArray('errors', errors);
  if (!(Number.isFinite(k) && k >= 0))
    throw new InvalidInputError('k', `must be a finite number >= 0, got ${k}`);
  const n = errors.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += errors[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const deviation = errors[i]! - mean;
    squares += deviation * deviation;
  }
  const std = Math.sqrt(squares / n);
  return { mean, std, threshold: mean + k * std };
}
