/**
 * The Wilcoxon signed-rank test (Wilcoxon 1945) on paired samples x, y (or one sample x against 0), replicating
 * scipy.stats.wilcoxon of scipy 1.10.1 with its default method 'auto':
 *
 * - d = x − y; R+ and R− are the sums of the average ranks of |d| over positive and negative d;
 * - exact null distribution of R+ when n ≤ 50 and no d is zero (scipy 1.10 uses it even with ties, truncating a
 *   half-integer R+ to an integer: replicated, so p-values match scipy; with many ties that p is approximate);
 * - otherwise the normal approximation with the tie correction Var = [n(n+1)(2n+1) − ½ Σ t(t²−1)] / 24 over tie
 *   groups of size t, and Cureton's (1967) adjustment for zero_method 'pratt';
 * - zeros: 'wilcox' drops zero differences (Wilcoxon 1945), 'pratt' ranks them then drops them (Pratt 1959),
 *   'zsplit' ranks them and splits their ranks evenly between R+ and R−.
 *
 * The statistic is min(R+, R−) for the two-sided test and R+ for one-sided ones, as scipy reports it.
 */
import { assertFiniteArray, InvalidInputError, type NumberArray } from '../errors.js';
import { normalCdf, normalSf } from './normal.js';
import { rankData } from './ranks.js';

export type WilcoxonZeroMethod = 'wilcox' | 'pratt' | 'zsplit';
export type Alternative = 'two-sided' | 'less' | 'greater';

export interface WilcoxonOptions {
  /** Treatment of zero differences. @default 'wilcox' */
  zeroMethod?: WilcoxonZeroMethod;
  /** 'greater' tests whether d = x − y is located above 0. @default 'two-sided' */
  alternative?: Alternative;
  /** Continuity correction of the normal approximation (ignored by the exact distribution). @default false */
  correction?: boolean;
}

export interface WilcoxonResult {
  /** min(R+, R−) for 'two-sided', R+ otherwise. */
  statistic: number;
  p: number;
}

/** scipy 1.10's 'auto' rule: the exact distribution up to this many differences (and no zeros). */
export const WILCOXON_EXACT_MAX_N = 50;

const ZERO_METHODS: readonly WilcoxonZeroMethod[] = ['wilcox', 'pratt', 'zsplit'];
const ALTERNATIVES: readonly Alternative[] = ['two-sided', 'less', 'greater'];

/** Cumulative counts C[r] = #{subsets of 1..n with sum ≤ r}, per n; exact in doubles up to 2^53 (n ≤ 50). */
const cumulativeCounts = new Map<number, Float64Array>();

/**
 * Null distribution of R+ for n untied, non-zero differences, as cumulative subset counts over 2^n outcomes
 * (scipy's `_get_wilcoxon_distr` convolves the same recursion in halves; both are exact dyadic sums).
 */
function exactCumulative(n: number): Float64Array {
  let cumulative = cumulativeCounts.get(n);
  if (cumulative) return cumulative;
  const maxSum = (n * (n + 1)) / 2;
  const counts = new Float64Array(maxSum + 1);
  counts[0] = 1;
  for (let k = 1; k <= n; k++) {
    for (let r = (k * (k + 1)) / 2; r >= k; r--) counts[r]! += counts[r - k]!;
  }
  cumulative = new Float64Array(maxSum + 1);
  let running = 0;
  for (let r = 0; r <= maxSum; r++) {
    running += counts[r]!;
    cumulative[r] = running;
  }
  cumulativeCounts.set(n, cumulative);
  return cumulative;
}

/** scipy's exact p-value for R+ (already truncated to an integer). */
function exactP(rPlus: number, n: number, alternative: Alternative): number {
  const cumulative = exactCumulative(n);
  const total = 2 ** n;
  const atMost = cumulative[rPlus]! / total; // P(R+ ≤ r)
  const atLeast = (total - (rPlus > 0 ? cumulative[rPlus - 1]! : 0)) / total; // P(R+ ≥ r)
  if (alternative === 'greater') return atLeast;
  if (alternative === 'less') return atMost;
  if (rPlus === Math.floor((n * (n + 1)) / 4)) return 1;
  return Math.min(1, 2 * Math.min(atMost, atLeast));
}

function validateOptions(options: WilcoxonOptions): Required<WilcoxonOptions> {
  const { zeroMethod = 'wilcox', alternative = 'two-sided', correction = false } = options;
  if (!ZERO_METHODS.includes(zeroMethod)) {
    throw new InvalidInputError(
      'zeroMethod',
      `must be one of ${ZERO_METHODS.join(', ')}, got ${String(zeroMethod)}`,
    );
  }
  if (!ALTERNATIVES.includes(alternative)) {
    throw new InvalidInputError(
      'alternative',
      `must be one of ${ALTERNATIVES.join(', ')}, got ${String(alternative)}`,
    );
  }
  if (typeof correction !== 'boolean') throw new InvalidInputError('correction', 'must be a boolean');
  return { zeroMethod, alternative, correction };
}

/** d = x − y (or x alone), validated. */
function differences(x: NumberArray, y: NumberArray | undefined): Float64Array {
  assertFiniteArray('x', x);
  if (y === undefined) return Float64Array.from(x);
  assertFiniteArray('y', y);
  if (y.length !== x.length) {
    throw new InvalidInputError('y', `must have the length of x (${x.length}), got ${y.length}`);
  }
  const d = new Float64Array(x.length);
  for (let i = 0; i < d.length; i++) {
    d[i] = x[i]! - y[i]!;
    if (!Number.isFinite(d[i]!)) throw new InvalidInputError('y', `x[${i}] − y[${i}] overflows`);
  }
  return d;
}

/**
 * Wilcoxon signed-rank test of d = x − y (or of x when `y` is omitted) against a distribution symmetric about
 * zero; results match scipy.stats.wilcoxon(x, y, zero_method, correction, alternative) of scipy 1.10.1.
 *
 * All differences zero: with 'zsplit' the test is defined and gives statistic n(n+1)/4, p = 1 (as scipy);
 * 'wilcox' and 'pratt' have nothing left to rank and throw, as scipy raises ValueError.
 * Complexity O(n log n) (plus a one-off O(n³) table per n ≤ 50 for the exact distribution, then cached).
 * @throws {InvalidInputError} naming `x`/`y` when either is empty, non-finite or lengths differ; naming `x` when
 *   every difference is zero under 'wilcox' or 'pratt'; naming an option that is out of range.
 * @example wilcoxon([1.2, 3.4, 2.2, 5.1, 4.4], [1.0, 2.9, 2.5, 4.0, 3.1]) // { statistic: 1, p: 0.125 }
 */
export function wilcoxon(x: NumberArray, y?: NumberArray, options: WilcoxonOptions = {}): WilcoxonResult {
  const { zeroMethod, alternative, correction } = validateOptions(options);
  let d = differences(x, y);
  let zeros = 0;
  for (const v of d) if (v === 0) zeros++;
  const exact = d.length <= WILCOXON_EXACT_MAX_N && zeros === 0;

  if (!exact && zeroMethod !== 'zsplit' && zeros === d.length) {
    throw new InvalidInputError(
      'x',
      `every difference is zero: zeroMethod '${zeroMethod}' needs one non-zero`,
    );
  }
  if (!exact && zeroMethod === 'wilcox') d = d.filter((v) => v !== 0);

  const count = d.length;
  const absolute = d.map(Math.abs);
  const { ranks, ties } = rankData(absolute);
  let rPlus = 0;
  let rMinus = 0;
  let rZero = 0;
  for (let i = 0; i < count; i++) {
    if (d[i]! > 0) rPlus += ranks[i]!;
    else if (d[i]! < 0) rMinus += ranks[i]!;
    else rZero += ranks[i]!;
  }
  if (zeroMethod === 'zsplit') {
    rPlus += rZero / 2;
    rMinus += rZero / 2;
  }
  const statistic = alternative === 'two-sided' ? Math.min(rPlus, rMinus) : rPlus;
  if (exact) return { statistic, p: exactP(Math.trunc(rPlus), count, alternative) };

  let mean = count * (count + 1) * 0.25;
  let variance = count * (count + 1) * (2 * count + 1);
  if (zeroMethod === 'pratt') {
    mean -= zeros * (zeros + 1) * 0.25;
    variance -= zeros * (zeros + 1) * (2 * zeros + 1);
  }
  // Pratt's correction ranks zeros but leaves their tie group out of the correction, as scipy does.
  let tieTerm = 0;
  for (const { value, size } of ties) {
    if (zeroMethod !== 'pratt' || value !== 0) tieTerm += size * (size * size - 1);
  }
  variance -= 0.5 * tieTerm;
  const se = Math.sqrt(variance / 24);

  let shift = 0;
  if (correction)
    shift =
      alternative === 'two-sided' ? 0.5 * Math.sign(statistic - mean) : alternative === 'less' ? -0.5 : 0.5;
  const z = (statistic - mean - shift) / se;
  const p =
    alternative === 'two-sided'
      ? 2 * normalSf(Math.abs(z))
      : alternative === 'greater'
        ? normalSf(z)
        : normalCdf(z);
  return { statistic, p };
}
