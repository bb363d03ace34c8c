/** A logarithm for traffic values that keeps zero and negative values: what the metric models judge on. */

/** sign(x) * ln(1 + |x|). */
export function signedLog(x: number): number {
  return Math.sign(x) * Math.log1p(Math.abs(x));
}

/** Inverse of `signedLog`. */
export function signedExp(y: number): number {
  return Math.sign(y) * Math.expm1(Math.abs(y));
}
