/**
 * The shallow model: judges a Druid series by its own rows when no trained model applies (no history needed),
 * every metric at once.
 *
 * 1. Each metric on a log scale (in units of its step, metric/metric-relations.ts) against a baseline learnt from
 *    the request's rows: a time-of-day profile when the rows span days, and a rolling median level
 *    (metric/log-baseline.ts). Residual scale: robust (1.4826 MAD), per row the larger of the whole series' and
 *    its time of day's, with a counting-noise floor.
 *    expected = the baseline, back from logs.
 * 2. The usual ratios of the metrics: for each pair whose log-ratio is far steadier than either metric alone
 *    (robust scale below RATIO_STEADINESS of the smaller one, e.g. bytes and packets), the difference of their
 *    residuals is judged as well. It catches one metric breaking away from the others (a small-packet flood, a
 *    scan) that moves no metric outside its own noise.
 * 3. Post-aggregations that are exact rescalings, ratios or products of other metrics are judged through those
 *    (a rescaling is flagged with its source; bps with bytes), not again on their own.
 * 4. Every residual series is judged row by row (metric/residual-verdict.ts): a point beyond its robust band, or
 *    a run whose mean deviation a single row would not show (a level shift). A row is anomalous when any series
 *    flags it; `exceeded` names the metrics flagged, for a pair the one further from its own baseline.
 * Band = the baseline +- K scales per metric, K the point threshold, back from logs.
 *
 * How it differs from the reference's shallow model (Isolation Forest on one metric, linear scale, the top 1 % of
 * scores): every metric is judged, on a log scale where dips and outages are as visible as spikes, against what the
 * series usually does at that time rather than against its neighbours, and nothing is flagged for being rare
 * among the request's rows alone: a quiet day flags nothing.
 */
import { InvalidInputError } from '../errors.js';
import { type LevelShift, levelShifts } from '../metric/level-shifts.js';
import { type BaselinePlan, logBaseline, planBaseline } from '../metric/log-baseline.js';
import { derivedMetrics, quantum } from '../metric/metric-relations.js';
import {
  DEFAULT_SENSITIVITY,
  judgeResiduals,
  POINT_Z,
  pointThreshold,
  robustScale,
} from '../metric/residual-verdict.js';
import type { MetricDetection, MetricPoint, MetricRow } from '../metric-detection.js';
import { validateMetricRows } from '../metric-rows.js';
import { mapToFloat64 } from '../transform/map-to-float64.js';
import { signedExp } from '../transform/signed-log.js';

/** A pair's log-ratio is a usual ratio when its scale is below this share of the smaller metric's scale. */
export const RATIO_STEADINESS = 0.5;
/** Rows a sustained deviation is averaged over: a third of the level window's half, within these bounds. */
const SUSTAINED_ROWS = { min: 2, max: 30 };
/** Rows on each side of a level shift's steps: the sustained window, within these bounds. */
const STEP_ROWS = { min: 6, max: 30 };
/**
 * The smallest spread a residual is judged in (log units: about a relative change of 1 %). A metric or ratio with
 * no noise of its own (a gauge, a rate derived by rounding) would otherwise see its rounding as anomalies; with it,
 * such a metric flags changes of several percent.
 */
const RESOLUTION = 0.01;
/** Fewer rows than this teach nothing about what is usual: nothing is flagged. */
export const MIN_ROWS = 8;

export interface ShallowOptions {
  /** Metrics to judge. @default every metric of the first row */
  metrics?: string[];
  /** In [0, 1]: 0 flags nothing; thresholds scale by 0.95 / sensitivity. @default 0.95 */
  sensitivity?: number;
}

export const SHALLOW_DEFAULTS = { sensitivity: DEFAULT_SENSITIVITY } as const;

/** One metric's fit: log-space baseline and residuals (in units of its step), and residuals in scales. */
interface MetricFit {
  step: number;
  /** Whether the metric counts something (its spread then has a counting-noise floor). */
  counted: boolean;
  baseline: Float64Array;
  residual: Float64Array;
  slotScale: Float64Array | null;
  /** Per row, the scale its residual is judged in (rowScale). */
  rowScale: Float64Array;
  z: Float64Array;
  /** The robust scale (without the per-row counting floor). */
  scale: number;
}

/**
 * Judges every row of `rows`.
 * @throws {InvalidInputError} naming the field: empty rows, missing or non-finite metric values, unordered times,
 *   sensitivity outside [0, 1].
 * @example shallowDetect(rows).points.filter((p) => p.anomalous)
 */
export function shallowDetect(rows: readonly MetricRow[], options: ShallowOptions = {}): MetricDetection {
  const sensitivity = options.sensitivity ?? SHALLOW_DEFAULTS.sensitivity;
  if (!(sensitivity >= 0 && sensitivity <= 1)) {
    throw new InvalidInputError('sensitivity', `expected a number in [0, 1], got ${String(sensitivity)}`);
  }
  const metrics = options.metrics ?? Object.keys(rows?.[0]?.values ?? {});
  validateMetricRows(rows, metrics);
  const n = rows.length;
  const plan = planBaseline(rows);
  const window = Math.max(SUSTAINED_ROWS.min, Math.min(SUSTAINED_ROWS.max, Math.round(plan.halfWidth / 3)));
  const columns = metrics.map((metric) => mapToFloat64(rows, (row) => row.values[metric]!));
  const fits = columns.map((values) => fitMetric(values, plan, plan.spacing / 1000, window));
  const derived = derivedMetrics(columns);
  const judged = metrics.map((_, m) => !derived.some((d) => d.metric === m));
  const judge = (z: Float64Array) =>
    n < MIN_ROWS
      ? new Float64Array(n)
      : judgeResiduals(z, window, sensitivity, undefined, plan.halfWidth).score;
  const score = fits.map((fit, m) => (judged[m] ? judge(fit.z) : new Float64Array(n)));
  const independent = metrics.flatMap((_, m) => (judged[m] ? [m] : []));
  for (const { a, b, difference, scale } of steadyPairs(fits, independent)) {
    const z = difference.map((d) => d / scale);
    const pair = judge(z);
    for (let t = 0; t < n; t++) {
      if (pair[t]! <= 1) continue;
      const culprit = Math.abs(fits[a]!.z[t]!) >= Math.abs(fits[b]!.z[t]!) ? a : b;
      if (pair[t]! > score[culprit]![t]!) score[culprit]![t] = pair[t]!;
    }
  }
  for (const d of derived) if (d.rescaling) score[d.metric] = score[d.of[0]!]!;
  const bar = pointThreshold(Math.max(sensitivity, Number.MIN_VALUE));
  const points = rows.map((row, t): MetricPoint => {
    const point: MetricPoint = {
      time: row.time,
      observed: {},
      expected: {},
      lower: {},
      upper: {},
      score: 0,
      anomalous: false,
      exceeded: [],
    };
    metrics.forEach((metric, m) => {
      const { step, baseline } = fits[m]!;
      const spread = bar * fits[m]!.rowScale[t]!;
      point.observed[metric] = row.values[metric]!;
      point.expected[metric] = step * signedExp(baseline[t]!);
      point.lower[metric] = step * signedExp(baseline[t]! - spread);
      point.upper[metric] = step * signedExp(baseline[t]! + spread);
      const s = score[m]![t]!;
      point.score = Math.max(point.score, s);
      if (s > 1) point.exceeded.push(metric);
    });
    point.anomalous = point.exceeded.length > 0;
    return point;
  });
  return { model: 'shallow', metrics: [...metrics], points };
}

function fitMetric(values: Float64Array, plan: BaselinePlan, seconds: number, window: number): MetricFit {
  const { step, counted } = quantum(values, seconds);
  const steps = mapToFloat64(values, (x) => x / step);
  const first = fitSteps(steps, plan, step, counted);
  const usable = Uint8Array.from(first.z, (z) => +(Math.abs(z) <= POINT_Z));
  const shifts = levelShifts(
    first.deseasoned,
    usable,
    Math.max(STEP_ROWS.min, Math.min(STEP_ROWS.max, window)),
  );
  return shifts.length === 0 ? first : fitSteps(steps, plan, step, counted, shifts);
}

/** The fit of a metric in units of its step, with these level shifts taken out of its level. */
function fitSteps(
  steps: Float64Array,
  plan: BaselinePlan,
  step: number,
  counted: boolean,
  shifts: LevelShift[] = [],
): MetricFit & { deseasoned: Float64Array } {
  const { baseline, residual, slotScale, deseasoned, scale } = logBaseline(steps, plan, shifts);
  const scales = mapToFloat64(residual, (_, t) => rowScale({ counted, baseline, scale, slotScale }, t));
  const z = mapToFloat64(residual, (r, t) => r / scales[t]!);
  return { step, counted, baseline, residual, slotScale, deseasoned, rowScale: scales, z, scale };
}

/**
 * The largest of the robust scale, that of the row's time of day, and (for counts) the counting noise of the
 * expected number of steps.
 */
function rowScale(fit: Pick<MetricFit, 'baseline' | 'scale' | 'slotScale' | 'counted'>, t: number): number {
  const counting = fit.counted ? 1 / Math.sqrt(1 + Math.abs(signedExp(fit.baseline[t]!))) : 0;
  return Math.max(fit.scale, fit.slotScale?.[t] ?? 0, counting, RESOLUTION);
}

/** Pairs of the given metrics whose log-ratio is much steadier than either, with their residual difference. */
function steadyPairs(fits: MetricFit[], metrics: number[]) {
  const pairs: { a: number; b: number; difference: Float64Array; scale: number }[] = [];
  for (const a of metrics) {
    for (const b of metrics) {
      if (b <= a) continue;
      const difference = fits[a]!.residual.map((r, t) => r - fits[b]!.residual[t]!);
      const scale = robustScale(difference);
      if (scale < RATIO_STEADINESS * Math.min(fits[a]!.scale, fits[b]!.scale))
        pairs.push({ a, b, difference, scale: Math.max(scale, RESOLUTION) });
    }
  }
  return pairs;
}
