/**
 * Feature rows of the autoencoder: the scaled metrics (the columns it reconstructs) followed by context columns
 * (time of day, day of week, sampling gap) that only condition the reconstruction.
 *
 * Metric scaling (fitted, stored in the model's metadata): y = (slog(x) - lo) / (hi - lo) with
 * slog(x) = sign(x) * ln(1 + |x|) and [lo, hi] the 1st and 99th percentiles of slog over the training rows (a
 * MinMaxScaler from transform/scalers.ts on the signed log). Why not the reference's
 * fixed tanh(log1p(x) / 32): it squeezes every traffic level into [0, 0.65] (a tenfold spike moves it by ~0.07)
 * and flattens small-valued metrics (rates like 0.005 flows/s/client become ~1.6e-4, i.e. constant), while the
 * fitted range gives each metric the whole [0, 1] of its training data; the log keeps the heavy-tailed traffic
 * levels comparable across orders of magnitude. New extremes map outside [0, 1] (the decoder is linear), so they
 * stay visible.
 *
 * Context columns, each used only when the training data can teach the model what it means: a cyclic encoding
 * only when the training rows span its whole period (24 h for time of day, 7 days for day of week), the gap only
 * when the training rows contain irregular gaps. A column that was constant in training has untrained weights,
 * and an unseen value there shifts every reconstruction: that is how the reference flagged whole weekdays.
 */
import type { NumberArray } from '../errors.js';
import type { MetricRow } from '../metric-detection.js';
import { dayAngle, PERIOD_MS, weekAngle } from '../metric-rows.js';
import { selectInPlace } from '../stats/select.js';
import { MinMaxScaler, type MinMaxScalerState } from '../transform/scalers.js';
import { signedExp, signedLog } from '../transform/signed-log.js';

export { signedExp, signedLog };

/**
 * The scaled range [0, 1] spans these quantiles of the training logs, not their extremes: one outage in the
 * training rows (a 0 among millions) would otherwise stretch the range so far that the usual traffic filled a
 * sliver of it.
 */
const RANGE_QUANTILE = 0.01;
/**
 * Logs beyond Tukey's far fences (this many interquartile ranges outside the quartiles) are left out before the
 * quantiles are taken: an hour-long outage is 60 zeros in three days of minutes, more than 1 % of them, and its
 * logs (0 against ~15 for the traffic) would otherwise set the bottom of the range, squeezing the usual traffic
 * into the top tenth of [0, 1] where the network resolves it poorly.
 */
const FENCE_IQR = 3;

/** Gap features are clipped to ±GAP_LOG2_LIMIT (a gap 256 times the typical one is as unusual as it gets). */
const GAP_LOG2_LIMIT = 8;

/** How features are derived; fitted on the training rows and stored in the model's metadata. */
export interface FeatureSpec {
  metrics: string[];
  /** Per metric (same order), the min-max scaler fitted on slog(x) of the training rows. */
  scaling: { kind: 'signed-log-min-max'; scalers: MinMaxScalerState[] };
  /** sin/cos of the time of day (UTC). */
  timeOfDay: boolean;
  /** sin/cos of the position in the week (UTC), day plus fraction of the day: all seven days, continuous. */
  dayOfWeek: boolean;
  /** log2(gap / typicalGapMs), clipped; null when the training rows were regular. */
  gap: { typicalGapMs: number } | null;
}

/** Row-major feature matrix: row r, column c at `data[r * width + c]`; the first `metrics.length` are metrics. */
export interface FeatureMatrix {
  data: Float32Array;
  rows: number;
  width: number;
}

/** The order statistic of rank floor(p (n - 1)). Reorders `values`. */
function quantile(values: Float64Array, p: number): number {
  const k = Math.floor(p * (values.length - 1));
  selectInPlace(values, k, 0, values.length - 1);
  return values[k]!;
}

/** The [lo, hi] the scaled range spans: the RANGE_QUANTILE quantiles of the logs within the far fences. */
function scalingRange(logs: Float64Array): [number, number] {
  const q1 = quantile(logs, 0.25);
  const q3 = quantile(logs, 0.75);
  const reach = FENCE_IQR * (q3 - q1);
  const inside = logs.filter((v) => v >= q1 - reach && v <= q3 + reach);
  return [quantile(inside, RANGE_QUANTILE), quantile(inside, 1 - RANGE_QUANTILE)];
}

/** Median of the gaps between consecutive rows (0 for a single row). */
function typicalGap(rows: readonly MetricRow[]): number {
  if (rows.length < 2) return 0;
  const gaps = rows.slice(1).map((row, i) => row.time - rows[i]!.time);
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)]!;
}

/** Fits the feature spec on validated training rows. */
export function fitFeatureSpec(rows: readonly MetricRow[], metrics: readonly string[]): FeatureSpec {
  const scalers = metrics.map((metric) => {
    const logs = Float64Array.from(rows, (row) => signedLog(row.values[metric]!));
    return MinMaxScaler.fit(scalingRange(logs)).toJSON();
  });
  const gap = typicalGap(rows);
  // The rows cover [first, last + one sampling period).
  const span = rows[rows.length - 1]!.time - rows[0]!.time + gap;
  const irregular = rows.some((row, i) => i > 0 && row.time - rows[i - 1]!.time !== gap);
  return {
    metrics: [...metrics],
    scaling: { kind: 'signed-log-min-max', scalers },
    timeOfDay: span >= PERIOD_MS.day,
    dayOfWeek: span >= PERIOD_MS.week,
    gap: irregular ? { typicalGapMs: gap } : null,
  };
}

/** Number of context (non-metric) columns. */
export function contextWidth(spec: FeatureSpec): number {
  return (spec.timeOfDay ? 2 : 0) + (spec.dayOfWeek ? 2 : 0) + (spec.gap ? 1 : 0);
}

/** Names of all columns, metrics first. */
export function featureNames(spec: FeatureSpec): string[] {
  return [
    ...spec.metrics,
    ...(spec.timeOfDay ? ['time_of_day_sin', 'time_of_day_cos'] : []),
    ...(spec.dayOfWeek ? ['day_of_week_sin', 'day_of_week_cos'] : []),
    ...(spec.gap ? ['gap_log2'] : []),
  ];
}

/** Scaled values of metric `m` (its index in `spec.metrics`): min-max of the signed log. */
export function scaleMetric(spec: FeatureSpec, m: number, values: NumberArray): Float64Array {
  const logs = new Float64Array(values.length);
  for (let i = 0; i < logs.length; i++) logs[i] = signedLog(values[i]!);
  return MinMaxScaler.fromJSON(spec.scaling.scalers[m]!).transform(logs);
}

/** Inverse of `scaleMetric`: values in the metric's own units. */
export function unscaleMetric(spec: FeatureSpec, m: number, scaled: NumberArray): Float64Array {
  const values = MinMaxScaler.fromJSON(spec.scaling.scalers[m]!).inverse(scaled);
  for (let i = 0; i < values.length; i++) values[i] = signedExp(values[i]!);
  return values;
}

/** Feature matrix of validated rows. */
export function buildFeatures(rows: readonly MetricRow[], spec: FeatureSpec): FeatureMatrix {
  const width = spec.metrics.length + contextWidth(spec);
  const data = new Float32Array(rows.length * width);
  spec.metrics.forEach((metric, m) => {
    const scaled = scaleMetric(
      spec,
      m,
      rows.map((row) => row.values[metric]!),
    );
    for (let r = 0; r < rows.length; r++) data[r * width + m] = scaled[r]!;
  });
  rows.forEach((row, r) => {
    let c = r * width + spec.metrics.length;
    if (spec.timeOfDay) {
      const angle = dayAngle(row.time);
      data[c++] = Math.sin(angle);
      data[c++] = Math.cos(angle);
    }
    if (spec.dayOfWeek) {
      const angle = weekAngle(row.time);
      data[c++] = Math.sin(angle);
      data[c++] = Math.cos(angle);
    }
    if (spec.gap) {
      // The first row has no predecessor: treat it as regular.
      const gap = r === 0 ? spec.gap.typicalGapMs : row.time - rows[r - 1]!.time;
      const ratio = Math.log2(gap / spec.gap.typicalGapMs);
      data[c++] = Math.max(-GAP_LOG2_LIMIT, Math.min(GAP_LOG2_LIMIT, ratio));
    }
  });
  return { data, rows: rows.length, width };
}

/**
 * A copy of the matrix with the metric columns clipped to [0, 1], the training range. The network sees new
 * extremes as the largest (smallest) level it knows, so one huge spike cannot drag the reconstruction of the
 * other rows and metrics of its slices (a dense layer mixes every input into every output); the error is still
 * measured against the unclipped value.
 */
export function saturateMetrics(matrix: FeatureMatrix, metricCount: number): FeatureMatrix {
  const data = matrix.data.slice();
  for (let r = 0; r < matrix.rows; r++) {
    for (let c = r * matrix.width; c < r * matrix.width + metricCount; c++) {
      data[c] = Math.min(1, Math.max(0, data[c]!));
    }
  }
  return { ...matrix, data };
}
