/**
 * Sen's slope (Theil 1950, Sen 1968): the median of the pairwise slopes (x[j] − x[i]) / (j − i), i < j, of a
 * series sampled at unit steps; intercept by Conover (1980): median(x) − median(0..n−1) · slope, exactly as
 * pymannkendall 1.4.3 `sens_slope` computes them.
 */
import { assertFiniteArray, type NumberArray } from '../errors.js';

export interface SensSlope {
  /** Median pairwise slope, in units of x per step. */
  slope: number;
  /** Intercept of the Kendall–Theil line at index 0: median(x) − (n − 1)/2 · slope. */
  intercept: number;
}

/**
 * Largest scratch buffer kept between calls (in doubles; 8 MiB): windows up to n ≈ 1448 reuse it and allocate
 * nothing, longer series get a buffer of their own that the garbage collector takes back.
 */
const MAX_KEPT_SCRATCH = 1 << 20;
let keptScratch = new Float64Array(0);

function scratch(size: number): Float64Array {
  if (size > MAX_KEPT_SCRATCH) return new Float64Array(size);
  if (keptScratch.length < size) keptScratch = new Float64Array(Math.max(size, 2 * keptScratch.length));
  return keptScratch;
}

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/**
 * Reorders a[lo..hi] so that a[k] holds the value it would have if sorted, everything before it is ≤ and
 * everything after it is ≥ (Hoare's selection with a median-of-three pivot). Hoare partitioning splits runs of
 * equal values evenly, so series with many ties (constant stretches) stay linear; if the partitions still shrink
 * badly the remainder is sorted natively, bounding the worst case at O(n log n).
 */
function selectInPlace(a: Float64Array, k: number, lo: number, hi: number): void {
  let budget = 2 * Math.ceil(Math.log2(hi - lo + 2)) + 8;
  while (hi > lo) {
    if (budget-- === 0) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < a[lo]!) swap(a, mid, lo);
    if (a[hi]! < a[lo]!) swap(a, hi, lo);
    if (a[hi]! < a[mid]!) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    // Now a[lo..j] ≤ pivot ≤ a[i..hi], and every element strictly between j and i equals the pivot.
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/**
 * Median of a[0..length−1] as numpy computes it (mean of the two middle values for an even length). Reorders
 * the elements. Expected O(length).
 */
export function medianInPlace(a: Float64Array, length: number): number {
  const half = length >>> 1;
  selectInPlace(a, half, 0, length - 1);
  const upper = a[half]!;
  if (length % 2 === 1) return upper;
  // After selection a[0..half−1] ≤ a[half]: the lower middle value is their maximum.
  let lower = a[0]!;
  for (let i = 1; i < half; i++) if (a[i]! > lower) lower = a[i]!;
  return (lower + upper) / 2;
}

/** Median of `values` without touching them. */
export function median(values: NumberArray): number {
  const copy = Float64Array.from(values);
  return medianInPlace(copy, copy.length);
}

/**
 * Sen's slope and the Conover intercept of `x`, sampled at unit steps (pymannkendall 1.4.3 `sens_slope`).
 * Complexity O(n²) time for the n(n−1)/2 slopes, expected linear selection of their median; no allocation for
 * n ≤ 1448 after the first call.
 * @throws {InvalidInputError} naming `x` when it has fewer than 2 values or a non-finite one.
 * @example sensSlope([1, 3, 2, 5]) // { slope: 1.1666666666666665, intercept: 0.7500000000000002 }
 */
export function sensSlope(x: NumberArray): SensSlope {
  assertFiniteArray('x', x, 2);
  const n = x.length;
  const pairs = (n * (n - 1)) / 2;
  const slopes = scratch(pairs);
  let idx = 0;
  for (let i = 0; i < n - 1; i++) {
    const xi = x[i]!;
    for (let j = i + 1; j < n; j++) slopes[idx++] = (x[j]! - xi) / (j - i);
  }
  const slope = medianInPlace(slopes, pairs);
  const intercept = median(x) - ((n - 1) / 2) * slope;
  return { slope, intercept };
}
