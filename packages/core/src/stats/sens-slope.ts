/**
 * Sen's slope (Theil 1950, Sen 1968): the median of the pairwise slopes (x[j] − x[i]) / (j − i), i < j, of a
 * series sampled at unit steps; intercept by Conover (1980): median(x) − median(0..n−1) · slope, exactly as
 * pymannkendall 1.4.3 `sens_slope` computes them.
 */
import { assertFiniteArray, type NumberArray } from '../errors.js';
import { Random } from '../random.js';
import { selectInPlace } from './select.js';

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

/**
 * The value of rank t (0-based) among a[0..length−1], or for `even` the mean of ranks t − 1 and t (t ≥ 1), as
 * numpy's median averages the two middle values. Reorders the elements. Expected O(length).
 */
function middleInPlace(a: Float64Array, length: number, t: number, even: boolean): number {
  selectInPlace(a, t, 0, length - 1);
  const upper = a[t]!;
  if (!even) return upper;
  // After selection a[0..t−1] ≤ a[t]: rank t − 1 is their maximum.
  let lower = a[0]!;
  for (let i = 1; i < t; i++) if (a[i]! > lower) lower = a[i]!;
  return (lower + upper) / 2;
}

/** Median of a[0..length−1] as numpy computes it. Reorders the elements. Expected O(length). */
export function medianInPlace(a: Float64Array, length: number): number {
  return middleInPlace(a, length, length >>> 1, length % 2 === 0);
}

/** Median of `values` without touching them. */
export function median(values: NumberArray): number {
  const copy = Float64Array.from(values);
  return medianInPlace(copy, copy.length);
}

/** Below this many pairs all slopes are materialised and selected; above it the median is bracketed first. */
const BRACKET_MIN_PAIRS = 16384;
/** Half-width of the bracket in sample ranks, in units of √(sample size): about six standard deviations. */
const BRACKET_WIDTH = 3;
/** Fixed seed of the pair sample: the result never depends on it, only (rarely) the path taken. */
const BRACKET_SEED = 0x5e45;

/** Writes all n(n−1)/2 slopes into `out` in pair order. */
function allSlopes(v: Float64Array, out: Float64Array): void {
  const n = v.length;
  let idx = 0;
  for (let i = 0; i < n - 1; i++) {
    const vi = v[i]!;
    for (let j = i + 1; j < n; j++) out[idx++] = (v[j]! - vi) / (j - i);
  }
}

/**
 * Lower and upper slope of a bracket that holds the slopes of ranks `low`..`high` with overwhelming probability:
 * sample quantiles, ±BRACKET_WIDTH·√s ranks around the target, of s = pairs^(2/3) random pairs (the sampling
 * step of Floyd & Rivest's SELECT applied to the implicit array of slopes).
 */
function sampleBracket(v: Float64Array, pairs: number, low: number, high: number): [number, number] {
  const n = v.length;
  const size = Math.ceil(pairs ** (2 / 3));
  const rng = new Random(BRACKET_SEED);
  const sample = new Float64Array(size);
  for (let s = 0; s < size; s++) {
    // A uniform pair a ≠ b; the modulo bias, below n/2^32, is irrelevant to a bracket.
    const a = rng.uint32() % n;
    let b = rng.uint32() % (n - 1);
    if (b >= a) b++;
    sample[s] = a < b ? (v[b]! - v[a]!) / (b - a) : (v[a]! - v[b]!) / (a - b);
  }
  const delta = BRACKET_WIDTH * Math.sqrt(size);
  const from = Math.max(0, Math.floor((low / pairs) * size - delta));
  const to = Math.min(size - 1, Math.ceil((high / pairs) * size + delta));
  selectInPlace(sample, from, 0, size - 1);
  // Everything after `from` is now ≥ sample[from]; selecting within it leaves sample[from] in place.
  if (to > from) selectInPlace(sample, to, from + 1, size - 1);
  return [sample[from]!, sample[to]!];
}

/**
 * Median slope by bracketing: one pass counts the slopes below the bracket and keeps those inside it, then
 * selection runs on the few kept ones. Exact whatever the bracket; returns undefined when the median ranks fall
 * outside it (then the caller materialises all slopes).
 */
function bracketedMedian(v: Float64Array, pairs: number, kept: Float64Array): number | undefined {
  const half = pairs >>> 1;
  const even = pairs % 2 === 0;
  const low = even ? half - 1 : half;
  const [from, to] = sampleBracket(v, pairs, low, half);
  const n = v.length;
  let below = 0;
  let count = 0;
  for (let i = 0; i < n - 1; i++) {
    const vi = v[i]!;
    for (let j = i + 1; j < n; j++) {
      const slope = (v[j]! - vi) / (j - i);
      if (slope < from) below++;
      else if (slope <= to) kept[count++] = slope;
    }
  }
  if (below > low || half >= below + count) return undefined;
  return middleInPlace(kept, count, half - below, even);
}

/**
 * Sen's slope and the Conover intercept of `x`, sampled at unit steps (pymannkendall 1.4.3 `sens_slope`).
 * Complexity O(n²) time for the n(n−1)/2 slopes; the median is selected among all of them for short series, and
 * among the few inside a sampled bracket for long ones (n ≥ 182), which keeps memory traffic low. No allocation
 * for short series after the first call.
 * @throws {InvalidInputError} naming `x` when it has fewer than 2 values or a non-finite one.
 * @example sensSlope([1, 3, 2, 5]) // { slope: 1.1666666666666665, intercept: 0.7500000000000002 }
 */
export function sensSlope(x: NumberArray): SensSlope {
  assertFiniteArray('x', x, 2);
  const values = x instanceof Float64Array ? x : Float64Array.from(x); // one element kind for the hot loops
  const n = values.length;
  const pairs = (n * (n - 1)) / 2;
  const slopes = scratch(pairs);
  let slope = pairs >= BRACKET_MIN_PAIRS ? bracketedMedian(values, pairs, slopes) : undefined;
  if (slope === undefined) {
    allSlopes(values, slopes);
    slope = medianInPlace(slopes, pairs);
  }
  return { slope, intercept: median(values) - ((n - 1) / 2) * slope };
}
