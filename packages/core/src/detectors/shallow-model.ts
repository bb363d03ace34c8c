/**
 * The shallow model for one metric of a Druid series, used when no trained autoencoder applies (no history
 * needed: it judges a series by itself, like the reference's ShallowOutliers).
 *
 * 1. expected = the series smoothed by a small triangular kernel (filters/triangular-smoothing.ts).
 * 2. Seeded Isolation Forests score the rows
 *      [smoothed, |x - smoothed|, sign(x - smoothed), sin/cos time of day, sin/cos position in the week]
 *    so a point stands out by its deviation from its neighbourhood, the level around it, and when it happened.
 *    The forest is split into R replicate forests of TREES_PER_REPLICATE trees, each from its own seed derived
 *    from `seed`. With l_rb = ln s_rb the log-score of row r in replicate b (Liu et al.: s in (0, 1), higher = more
 *    isolated), l_r = mean_b l_rb is exactly the log-score of the union forest (ln s = -ln 2 E[h] / c(psi) is
 *    linear in the mean path length E[h]), and SE_r = sd_b(l_rb) / sqrt(R) is its Monte Carlo error
 *    (batch means).
 * 3. Decision. With q the empirical (1 - TAIL_FRACTION) order statistic of the scores s_r = exp(l_r) and
 *    sensitivity σ in [0, 1]:
 *      threshold t = 1 - σ (1 - q),  anomalous when l_r - Z SE_r > ln t,  score = exp(l_r - Z SE_r) / t.
 *    The threshold sits a fraction (1 - σ) of the way from q up to the score ceiling 1: σ = 1 flags at most the
 *    most isolated TAIL_FRACTION of the rows, σ = 0 flags nothing. This is the reference's rule (sklearn
 *    IsolationForest(contamination=0.01) with offset_ = σ (1 + offset_) - 1, where offset_ = -q), made explicit,
 *    with one change: a row is flagged only when its score exceeds t by more than Z = CONFIDENCE_Z standard
 *    errors. The reference needed 500 trees so that a row near the bar did not flip with the seed; here a row
 *    whose exceedance the trees cannot tell from their own randomness is not flagged, so 64 trees give a
 *    verdict that does not depend on the seed except for rows within a few standard errors of the bar (the
 *    redborder 239-hour series flags exactly 2024-05-31T08:00 for every seed tested; see the test).
 *    Screening (for speed): every SCREEN_REPLICATES replicates, rows whose score lies more than SCREEN_Z
 *    standard errors below the current threshold t cannot reach it and keep their scores so far; only the others
 *    are scored by the next replicates (on a day of 1-minute traffic: 1440 rows, then ~90, ~45, ~35). A replicate's
 *    trees are grown only along the paths of the rows it scores (forest/grown-path-lengths.ts), with draws tied to
 *    node positions, so a row's scores do not depend on which rows were screened out.
 * 4. Band = expected + [the most negative, the most positive] residual among the rows not flagged: every normal
 *    row lies inside it. A flagged row usually lies outside; it can lie inside when the forest isolated it for its
 *    level or time rather than its deviation, and it still lists the metric in `exceeded`.
 */
import { InvalidInputError } from '../errors.js';
import { triangularSmooth } from '../filters/triangular-smoothing.js';
import { logAnomalyScorer } from '../forest/average-path-length.js';
import { addGrownPathLengths } from '../forest/grown-path-lengths.js';
import { RowMatrix } from '../forest/rows.js';
import type { MetricDetection, MetricRow } from '../metric-detection.js';
import { dayAngle, validateMetricRows, weekAngle } from '../metric-rows.js';
import { deriveSeed } from '../random.js';
import { selectInPlace } from '../stats/select.js';

/** Share of rows the forest scores are expected to isolate at most (the reference's `contamination`). */
export const TAIL_FRACTION = 0.01;
/** Trees per replicate forest: the batch size of the batch-means error estimate. */
export const TREES_PER_REPLICATE = 4;
/** Standard errors by which a score must clear the threshold (one-sided, about 98 % under normality). */
export const CONFIDENCE_Z = 2;
/**
 * Replicates every row is scored by before the first screening (enough for a first standard error), and between
 * screenings.
 */
const SCREEN_REPLICATES = 4;
/** Standard errors below the current bar beyond which a row is left out of the next replicates. */
const SCREEN_Z = 3;
/** Features per row: smoothed, |residual|, sign(residual), sin/cos of the day, sin/cos of the week. */
const FEATURES = 7;
/** Relative size below which a residual is rounding error of the smoothing (a few hundred ulps). */
const ROUNDING = 1e-13;

export interface ShallowOptions {
  /** The metric to judge. @default 'bytes' */
  metric?: string;
  /** In [0, 1]: 0 flags nothing, 1 flags at most the top 1 % of forest scores. @default 0.95 */
  sensitivity?: number;
  /** Forest seed (safe integer); replicate b grows from `deriveSeed(seed, b)`. @default 0 */
  seed?: number;
  /**
   * Replicate forests of TREES_PER_REPLICATE trees (integer >= SCREEN_REPLICATES); more replicates narrow the
   * standard errors, so rows closer to the bar can be told apart. @default 16 (64 trees)
   */
  replicates?: number;
}

export const SHALLOW_DEFAULTS = { metric: 'bytes', sensitivity: 0.95, seed: 0, replicates: 16 } as const;

/**
 * Judges every row of `rows` for one metric.
 * @throws {InvalidInputError} naming the field: empty rows, missing or non-finite metric values, unordered times,
 *   sensitivity outside [0, 1], bad seed or replicates.
 * @example shallowDetect(rows, { metric: 'bytes' }).points.filter((p) => p.anomalous)
 */
export function shallowDetect(rows: readonly MetricRow[], options: ShallowOptions = {}): MetricDetection {
  const metric = options.metric ?? SHALLOW_DEFAULTS.metric;
  const sensitivity = options.sensitivity ?? SHALLOW_DEFAULTS.sensitivity;
  const seed = options.seed ?? SHALLOW_DEFAULTS.seed;
  const replicates = options.replicates ?? SHALLOW_DEFAULTS.replicates;
  if (typeof metric !== 'string' || metric === '')
    throw new InvalidInputError('metric', 'expected a metric name');
  if (!(sensitivity >= 0 && sensitivity <= 1)) {
    throw new InvalidInputError('sensitivity', `expected a number in [0, 1], got ${String(sensitivity)}`);
  }
  if (!Number.isSafeInteger(seed))
    throw new InvalidInputError('seed', `expected a safe integer, got ${seed}`);
  if (!(Number.isInteger(replicates) && replicates >= SCREEN_REPLICATES && replicates <= 1000)) {
    throw new InvalidInputError('replicates', `expected an integer in [${SCREEN_REPLICATES}, 1000]`);
  }
  validateMetricRows(rows, [metric]);
  const n = rows.length;
  const observed = new Float64Array(n);
  for (let i = 0; i < n; i++) observed[i] = rows[i]!.values[metric]!;
  const expected = triangularSmooth(observed);
  const features = featureRows(rows, observed, expected);
  const { logScore, error } = replicateScores(features, seed, replicates, sensitivity);

  const threshold = flagThreshold(logScore, sensitivity);
  const logThreshold = Math.log(threshold);
  const confident = new Float64Array(n);
  let above = 0;
  let below = 0;
  for (let i = 0; i < n; i++) {
    confident[i] = logScore[i]! - CONFIDENCE_Z * error[i]!;
    if (confident[i]! > logThreshold) continue;
    const residual = observed[i]! - expected[i]!;
    if (residual > above) above = residual;
    if (residual < below) below = residual;
  }
  const points = new Array<MetricDetection['points'][number]>(n);
  for (let i = 0; i < n; i++) {
    const anomalous = confident[i]! > logThreshold;
    points[i] = {
      time: rows[i]!.time,
      observed: { [metric]: observed[i]! },
      expected: { [metric]: expected[i]! },
      lower: { [metric]: expected[i]! + below },
      upper: { [metric]: expected[i]! + above },
      score: Math.exp(confident[i]!) / threshold,
      anomalous,
      exceeded: anomalous ? [metric] : [],
    };
  }
  return { model: 'shallow', metrics: [metric], points };
}

/** The feature rows, checked and laid out once for the 2 x replicates fits and scorings. */
function featureRows(rows: readonly MetricRow[], observed: Float64Array, expected: Float64Array): RowMatrix {
  const n = rows.length;
  const data = new Float64Array(n * FEATURES);
  for (let i = 0; i < n; i++) {
    const residual = observed[i]! - expected[i]!;
    const day = dayAngle(rows[i]!.time);
    const week = weekAngle(rows[i]!.time);
    const o = i * FEATURES;
    data[o] = expected[i]!;
    data[o + 1] = Math.abs(residual);
    // Residuals within rounding of the level count as none: on a flat stretch the sign would be rounding noise.
    data[o + 2] = Math.abs(residual) > ROUNDING * Math.abs(expected[i]!) ? Math.sign(residual) : 0;
    data[o + 3] = Math.sin(day);
    data[o + 4] = Math.cos(day);
    data[o + 5] = Math.sin(week);
    data[o + 6] = Math.cos(week);
  }
  return RowMatrix.of('features', data, FEATURES);
}

/**
 * Per row, the mean log-score over the replicates that scored it and its standard error (sd / sqrt(count)).
 * Every SCREEN_REPLICATES replicates, the rows that cannot reach the bar are screened out and keep their values.
 * Each replicate's trees are grown only along the paths of the rows it scores (grown-path-lengths.ts), and a row's
 * path lengths do not depend on which other rows are scored: screening saves work without changing any score.
 */
function replicateScores(features: RowMatrix, seed: number, replicates: number, sensitivity: number) {
  const n = features.count;
  const sum = new Float64Array(n);
  const sumSquares = new Float64Array(n);
  const logScore = new Float64Array(n);
  const error = new Float64Array(n);
  const pathLengths = new Float64Array(n);
  let scored: Int32Array = Int32Array.from({ length: n }, (_, i) => i);
  for (let b = 0; b < replicates && scored.length > 0; b++) {
    if (b > 0 && b % SCREEN_REPLICATES === 0) scored = screen(scored, logScore, error, sensitivity);
    for (const i of scored) pathLengths[i] = 0;
    const psi = addGrownPathLengths(features, scored, pathLengths, {
      trees: TREES_PER_REPLICATE,
      seed: deriveSeed(seed, b),
    });
    const logOf = logAnomalyScorer(psi);
    const count = b + 1;
    for (const i of scored) {
      const l = logOf(pathLengths[i]! / TREES_PER_REPLICATE);
      sum[i]! += l;
      sumSquares[i]! += l * l;
      const mean = sum[i]! / count;
      logScore[i] = mean;
      error[i] =
        count > 1 ? Math.sqrt(Math.max(0, (sumSquares[i]! - count * mean * mean) / (count - 1)) / count) : 0;
    }
  }
  return { logScore, error };
}

/**
 * The rows of `scored` that may still reach the bar: within SCREEN_Z standard errors of it. A row's own error can
 * come out tiny by chance from a few replicates, so the larger of it and the root-mean-square error of the rows
 * screened is used.
 */
function screen(
  scored: Int32Array,
  logScore: Float64Array,
  error: Float64Array,
  sensitivity: number,
): Int32Array {
  let squares = 0;
  for (const i of scored) squares += error[i]! * error[i]!;
  const pooled = Math.sqrt(squares / scored.length);
  const bar = Math.log(flagThreshold(logScore, sensitivity));
  return scored.filter((i) => logScore[i]! + SCREEN_Z * Math.max(error[i]!, pooled) >= bar);
}

/** t = 1 - σ (1 - q), from the log-scores. */
function flagThreshold(logScores: Float64Array, sensitivity: number): number {
  return 1 - sensitivity * (1 - Math.exp(tailAnchor(logScores)));
}

/**
 * The highest log-score outside the top m = max(1, floor(TAIL_FRACTION * n)): an order statistic, not an
 * interpolation, so the scores of the candidates above it never move their own bar. 0 (score 1: nothing can
 * pass) for a single row.
 */
function tailAnchor(logScores: Float64Array): number {
  const top = Math.max(1, Math.floor(TAIL_FRACTION * logScores.length));
  if (logScores.length <= top) return 0;
  const k = logScores.length - 1 - top;
  const copy = Float64Array.from(logScores);
  selectInPlace(copy, k, 0, copy.length - 1);
  return copy[k]!;
}
