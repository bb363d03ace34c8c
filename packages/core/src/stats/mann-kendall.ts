/**
 * The Mann-Kendall trend test (Mann 1945; Kendall 1975; Gilbert 1987) and its Yue-Wang variance correction for
 * autocorrelated series (Yue & Wang 2004), replicating pymannkendall 1.4.3 `original_test` and
 * `yue_wang_modification_test` (all lags), with Sen's slope for the size of the trend.
 *
 * Definitions, for a series x of length n:
 * - S = Σ_{i<j} sign(x[j] − x[i]); τ = S / (n(n−1)/2);
 * - Var(S) = [n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)] / 18 over the groups g of t_g tied values;
 * - Yue-Wang: Var*(S) = Var(S) · (1 + 2 Σ_{k=1}^{n−1} (1 − k/n) ρ_k), where ρ is the (biased) autocorrelation of
 *   the series detrended by Sen's slope β: x[t] − (t+1)β;
 * - Z = (S − 1)/√Var for S > 0, (S + 1)/√Var for S < 0, 0 for S = 0;
 * - p = 2(1 − Φ(|Z|)); trend when |Z| > Φ⁻¹(1 − α/2).
 *
 * Deliberate differences from pymannkendall, both in the tails where it is wrong:
 * - p is computed as 2·Φc(|Z|) with an accurate survival function instead of 2(1 − Φ(|Z|)), whose cancellation
 *   floors pymannkendall's p near 1e-16 (it reports 0 beyond |Z| ≈ 8.3); both agree to ~1e-16 absolute.
 * - a corrected variance of 0 (possible only for a degenerate autocorrelation) gives Z = ±∞ and p = 0 when
 *   S ∉ {−1, 0, 1}, and Z = 0, p = 1 otherwise, where pymannkendall divides by zero (0/0 = NaN for |S| = 1).
 */
import { assertFiniteArray, InvalidInputError, type NumberArray } from '../errors.js';
import { normalQuantile, normalSf } from './normal.js';
import { tieGroupSizes } from './ranks.js';
import { sensSlope } from './sens-slope.js';

export type MannKendallMethod = 'original' | 'yue-wang';
export type Trend = 'increasing' | 'decreasing' | 'no trend';

export interface MannKendallOptions {
  /** Significance level of the two-sided test. @default 0.05 */
  alpha?: number;
  /** 'original' (independent samples) or 'yue-wang' (variance corrected for autocorrelation). @default 'original' */
  method?: MannKendallMethod;
}

export interface MannKendallResult {
  trend: Trend;
  /** True when the trend is significant at `alpha`. */
  h: boolean;
  /** Two-sided p-value. */
  p: number;
  /** Normalised test statistic. */
  z: number;
  /** Kendall's τ: S over the number of pairs. */
  tau: number;
  /** Mann-Kendall score S. */
  s: number;
  /** Variance of S used for Z (corrected for the Yue-Wang method). */
  varS: number;
  /** Sen's slope, in units of x per step. */
  slope: number;
  /** Intercept of the Kendall–Theil line at index 0. */
  intercept: number;
}

/** Smallest series the test accepts: with n = 2 the score is ±1 or 0, and the test always says p = 1. */
export const MANN_KENDALL_MIN_LENGTH = 3;

/**
 * Number of discordant pairs i < j with x[i] > x[j], counted while merge-sorting a copy (Knight 1966, "A
 * computer method for calculating Kendall's tau with ungrouped data", JASA 61(314)). O(n log n).
 */
function discordantPairs(x: NumberArray): number {
  const n = x.length;
  let from = Float64Array.from(x);
  let to = new Float64Array(n);
  let discordant = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // Equal values go left first, so only strictly greater left values count as discordant.
        if (from[i]! <= from[j]!) to[k++] = from[i++]!;
        else {
          discordant += mid - i;
          to[k++] = from[j++]!;
        }
      }
      while (i < mid) to[k++] = from[i++]!;
      while (j < hi) to[k++] = from[j++]!;
    }
    [from, to] = [to, from];
  }
  return discordant;
}

/**
 * S and Var(S) in O(n log n): with N = n(n−1)/2 pairs, D discordant and T = Σ t(t−1)/2 tied ones,
 * S = (N − D − T) − D; Var(S) = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18 over the tie groups of size t.
 */
function scoreAndVariance(x: NumberArray): { s: number; varS: number } {
  const n = x.length;
  let tiedPairs = 0;
  let tieTerm = 0;
  for (const t of tieGroupSizes(x)) {
    tiedPairs += (t * (t - 1)) / 2;
    tieTerm += t * (t - 1) * (2 * t + 5);
  }
  const s = (n * (n - 1)) / 2 - 2 * discordantPairs(x) - tiedPairs;
  return { s, varS: (n * (n - 1) * (2 * n + 5) - tieTerm) / 18 };
}

/**
 * Yue-Wang's factor 1 + 2 Σ_{k=1}^{n−1} (1 − k/n) ρ_k for the series detrended by `slope`, with ρ the biased
 * autocorrelation of pymannkendall's `__acf` (ρ_k = acov_k / acov_0; all zero when acov_0 = 0).
 *
 * Computed in O(n) rather than from all n lags: with y the centred detrended series,
 *   n² acov_0 · Σ_k (1 − k/n) ρ_k = n·A − B,  A = Σ_{t<u} y_t y_u = ((Σy)² − Σy²)/2,  B = Σ_{t<u} (u − t) y_t y_u,
 * and B = Σ_u y_u R_u with R_u = Σ_{t<u} (u − t) y_t, which follows R_{u+1} = R_u + P_{u+1}, P_u = Σ_{t<u} y_t.
 * The factor is ≥ 0 in exact arithmetic (the triangular lag window is positive definite, Fejér), so rounding
 * below zero is clamped.
 */
function yueWangFactor(x: NumberArray, slope: number): number {
  const n = x.length;
  let mean = 0;
  for (let t = 0; t < n; t++) mean += x[t]! - (t + 1) * slope;
  mean /= n;
  let sum = 0;
  let sumSquares = 0;
  let b = 0;
  let prefix = 0; // P_u
  let weighted = 0; // R_u
  for (let u = 0; u < n; u++) {
    const y = x[u]! - (u + 1) * slope - mean;
    sum += y;
    sumSquares += y * y;
    b += y * weighted;
    prefix += y;
    weighted += prefix;
  }
  if (sumSquares === 0) return 1;
  const a = (sum * sum - sumSquares) / 2;
  const lagSum = (n * a - b) / (n * sumSquares);
  return Math.max(0, 1 + 2 * lagSum);
}

/** pymannkendall's `__z_score`, made total: a zero variance gives ±∞ instead of a division by zero. */
function zScore(s: number, varS: number): number {
  const numerator = s - Math.sign(s);
  return numerator === 0 ? 0 : numerator / Math.sqrt(varS);
}

function validateOptions(options: MannKendallOptions): { alpha: number; method: MannKendallMethod } {
  const { alpha = 0.05, method = 'original' } = options;
  if (!(alpha > 0 && alpha < 1)) throw new InvalidInputError('alpha', `must be in (0, 1), got ${alpha}`);
  if (method !== 'original' && method !== 'yue-wang') {
    throw new InvalidInputError('method', `must be 'original' or 'yue-wang', got ${String(method)}`);
  }
  return { alpha, method };
}

/**
 * Mann-Kendall trend test on `x` (equally spaced, in time order), with tie correction and, for
 * `method: 'yue-wang'`, the Yue-Wang correction for autocorrelation. Matches pymannkendall 1.4.3 (see the module
 * comment for the two documented differences in degenerate tails).
 * A constant series gives S = 0, Z = 0, p = 1, no trend.
 * Complexity O(n²) time for Sen's slope (S takes O(n log n), the Yue-Wang factor O(n)).
 * @throws {InvalidInputError} naming `x` when it has fewer than 3 values or a non-finite one, or naming
 *   `alpha`/`method` when an option is out of range.
 * @example mannKendall([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).trend // 'increasing'
 */
export function mannKendall(x: NumberArray, options: MannKendallOptions = {}): MannKendallResult {
  const { alpha, method } = validateOptions(options);
  assertFiniteArray('x', x, MANN_KENDALL_MIN_LENGTH);
  const n = x.length;
  const { s, varS: uncorrected } = scoreAndVariance(x);
  const { slope, intercept } = sensSlope(x);
  const varS = method === 'yue-wang' ? uncorrected * yueWangFactor(x, slope) : uncorrected;

  const z = zScore(s, varS);
  const p = 2 * normalSf(Math.abs(z));
  const h = Math.abs(z) > normalQuantile(1 - alpha / 2);
  const trend: Trend = h ? (z < 0 ? 'decreasing' : 'increasing') : 'no trend';
  return { trend, h, p, z, tau: s / (0.5 * n * (n - 1)), s, varS, slope, intercept };
}
