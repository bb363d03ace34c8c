/**
 * The shallow model for one metric of a Druid series, used when no trained autoencoder applies (no history
 * needed: it judges a series by itself, like the reference's ShallowOutliers).
 *
 * 1. expected = the series smoothed by a small triangular kernel (filters/triangular-smoothing.ts).
 * 2. A seeded Isolation Forest is grown on, and scores, the rows
 *      [smoothed, |x - smoothed|, sign(x - smoothed), sin/cos time of day, sin/cos position in the week]
 *    so a point stands out by its deviation from its neighbourhood, the level around it, and when it happened.
 * 3. Decision. With s the forest scores (Liu et al.: s in (0, 1), higher = more isolated), q the empirical
 *    (1 - TAIL_FRACTION) quantile of s, and sensitivity σ in [0, 1]:
 *      threshold t = 1 - σ (1 - q),  anomalous when s > t,  score = s / t (> 1 exactly when anomalous).
 *    The threshold sits a fraction (1 - σ) of the way from q up to the score ceiling 1: σ = 1 flags the most
 *    isolated TAIL_FRACTION of the rows, σ = 0 flags nothing, and 0.95 keeps only points isolated clearly beyond
 *    the usual top 1 %. This is the reference's rule (sklearn IsolationForest(contamination=0.01) with
 *    offset_ = σ (1 + offset_) - 1, where offset_ = -q), made explicit.
 * 4. Band = expected + [the most negative, the most positive] residual among the rows not flagged: every normal
 *    row lies inside it. A flagged row usually lies outside; it can lie inside when the forest isolated it for its
 *    level or time rather than its deviation, and it still lists the metric in `exceeded`.
 */
import { InvalidInputError } from '../errors.js';
import { triangularSmooth } from '../filters/triangular-smoothing.js';
import { IsolationForest } from '../forest/isolation-forest.js';
import type { MetricDetection, MetricRow } from '../metric-detection.js';
import { dayAngle, validateMetricRows, weekAngle } from '../metric-rows.js';

/** Share of rows the forest scores are expected to isolate at most (the reference's `contamination`). */
export const TAIL_FRACTION = 0.01;

export interface ShallowOptions {
  /** The metric to judge. @default 'bytes' */
  metric?: string;
  /** In [0, 1]: 0 flags nothing, 1 flags the top 1 % of forest scores. @default 0.95 */
  sensitivity?: number;
  /** Forest seed (safe integer). @default 0 */
  seed?: number;
  /** Trees in the forest; more trees steady the scores near the threshold. @default 500 */
  trees?: number;
}

export const SHALLOW_DEFAULTS = { metric: 'bytes', sensitivity: 0.95, seed: 0, trees: 500 } as const;

/**
 * The highest score outside the top m = max(1, floor(TAIL_FRACTION * n)): an order statistic, not an
 * interpolation, so the scores of the candidates above it never move their own bar. 1 (nothing can pass) for a
 * single row.
 */
function tailAnchor(scores: Float64Array): number {
  const top = Math.max(1, Math.floor(TAIL_FRACTION * scores.length));
  if (scores.length <= top) return 1;
  return Float64Array.from(scores).sort()[scores.length - 1 - top]!;
}

/**
 * Judges every row of `rows` for one metric.
 * @throws {InvalidInputError} naming the field: empty rows, missing or non-finite metric values, unordered times,
 *   sensitivity outside [0, 1], bad seed or trees.
 * @example shallowDetect(rows, { metric: 'bytes' }).points.filter((p) => p.anomalous)
 */
export function shallowDetect(rows: readonly MetricRow[], options: ShallowOptions = {}): MetricDetection {
  const metric = options.metric ?? SHALLOW_DEFAULTS.metric;
  const sensitivity = options.sensitivity ?? SHALLOW_DEFAULTS.sensitivity;
  if (typeof metric !== 'string' || metric === '')
    throw new InvalidInputError('metric', 'expected a metric name');
  if (!(sensitivity >= 0 && sensitivity <= 1)) {
    throw new InvalidInputError('sensitivity', `expected a number in [0, 1], got ${String(sensitivity)}`);
  }
  validateMetricRows(rows, [metric]);
  const n = rows.length;
  const observed = Float64Array.from(rows, (row) => row.values[metric]!);
  const expected = triangularSmooth(observed);

  const features: number[][] = rows.map((row, i) => {
    const residual = observed[i]! - expected[i]!;
    const day = dayAngle(row.time);
    const week = weekAngle(row.time);
    return [
      expected[i]!,
      Math.abs(residual),
      Math.sign(residual),
      Math.sin(day),
      Math.cos(day),
      Math.sin(week),
      Math.cos(week),
    ];
  });
  const forest = new IsolationForest({
    trees: options.trees ?? SHALLOW_DEFAULTS.trees,
    seed: options.seed ?? SHALLOW_DEFAULTS.seed,
    maxTrainingRows: n,
  }).fit(features);
  const scores = forest.score(features);
  const threshold = 1 - sensitivity * (1 - tailAnchor(scores));

  let above = 0;
  let below = 0;
  scores.forEach((s, i) => {
    if (s > threshold) return;
    const residual = observed[i]! - expected[i]!;
    above = Math.max(above, residual);
    below = Math.min(below, residual);
  });
  return {
    model: 'shallow',
    metrics: [metric],
    points: rows.map((row, i) => {
      const anomalous = scores[i]! > threshold;
      return {
        time: row.time,
        observed: { [metric]: observed[i]! },
        expected: { [metric]: expected[i]! },
        lower: { [metric]: expected[i]! + below },
        upper: { [metric]: expected[i]! + above },
        score: scores[i]! / threshold,
        anomalous,
        exceeded: anomalous ? [metric] : [],
      };
    }),
  };
}
