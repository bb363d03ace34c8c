/**
 * How the metrics of a Druid series relate, found from the rows themselves (the shallow model has no query):
 * - quantum: counts and per-second rates of counts move in steps (1 flow, 1/60 flow per second at one minute);
 *   their log is taken in units of the step, and counting noise (Poisson: a standard deviation of about
 *   1 / sqrt(1 + count) in log units) sets a floor under their spread, so 2 flows after 0 is not an anomaly;
 * - derived: a post-aggregation that is an exact rescaling (bps = 8 bytes / seconds), ratio or product of other
 *   metrics carries nothing they do not: it is judged through them, not again on its own.
 */
import { medianInPlace } from '../stats/sens-slope.js';
import { mapToFloat64 } from '../transform/map-to-float64.js';

/** Relative tolerance of "an integer number of steps" (float rounding only). */
const EXACT = 1e-9;
/** Tolerance of "exactly related", in log units: arithmetic rounding, far below any noise traffic has. */
const RELATED = 1e-6;
/** Offset of a continuous metric's log, relative to its median positive value. */
const CONTINUOUS_OFFSET = 0.01;

/**
 * The step of a metric: 1 for counts, 1 / seconds for per-second rates of counts (seconds = the rows' spacing),
 * both `counted`; for a continuous metric, a hundredth of its median positive value (its log then reads levels far
 * above it as proportions, and a 0 as a deep drop rather than minus infinity).
 */
export function quantum(values: Float64Array, seconds: number): { step: number; counted: boolean } {
  for (const steps of [1, seconds]) {
    if (steps > 0 && wholeSteps(values, steps)) return { step: 1 / steps, counted: true };
  }
  const positive = new Float64Array(values.length);
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > 0) positive[count++] = values[i]!;
  return { step: count === 0 ? 1 : CONTINUOUS_OFFSET * medianInPlace(positive, count), counted: false };
}

/** Whether every value is a whole number of 1 / steps (up to float rounding). */
function wholeSteps(values: Float64Array, steps: number): boolean {
  for (let i = 0; i < values.length; i++) {
    const x = values[i]! * steps;
    if (!(Math.abs(x - Math.round(x)) <= EXACT * Math.max(1, Math.abs(x)))) return false;
  }
  return true;
}

/** A metric that others determine: `of` the indices of the metrics it is computed from. */
export interface DerivedMetric {
  metric: number;
  of: number[];
  /** An exact rescaling of `of[0]`: flagged with it. */
  rescaling: boolean;
}

/**
 * Metrics (in order) that are a rescaling, ratio or product of earlier independent ones: their log differs from
 * log a, log a - log b or log a + log b by a constant over every row where all are positive.
 */
export function derivedMetrics(columns: Float64Array[]): DerivedMetric[] {
  const logs = columns.map((values) => mapToFloat64(values, (x) => (x > 0 ? Math.log(x) : Number.NaN)));
  const independent: number[] = [];
  const derived: DerivedMetric[] = [];
  for (let m = 0; m < logs.length; m++) {
    const found = relation(logs, m, independent);
    if (found) derived.push({ metric: m, ...found });
    else independent.push(m);
  }
  return derived;
}

function relation(logs: Float64Array[], m: number, candidates: number[]) {
  const constant = (combine: (t: number) => number) => isConstant(logs[m]!, combine);
  for (const a of candidates) {
    if (constant((t) => logs[a]![t]!)) return { of: [a], rescaling: true };
  }
  for (const a of candidates) {
    for (const b of candidates) {
      if (a === b) continue;
      if (constant((t) => logs[a]![t]! - logs[b]![t]!)) return { of: [a, b], rescaling: false };
      if (a < b && constant((t) => logs[a]![t]! + logs[b]![t]!)) return { of: [a, b], rescaling: false };
    }
  }
  return undefined;
}

/** Whether log m - combine(t) is the same on every row where both are defined (and there are at least two). */
function isConstant(log: Float64Array, combine: (t: number) => number): boolean {
  let first = Number.NaN;
  let rows = 0;
  for (let t = 0; t < log.length; t++) {
    const difference = log[t]! - combine(t);
    if (Number.isNaN(difference)) continue;
    if (rows++ === 0) first = difference;
    else if (Math.abs(difference - first) > RELATED) return false;
  }
  return rows >= 2;
}
