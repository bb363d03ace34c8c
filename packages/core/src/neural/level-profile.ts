/**
 * What each metric usually is at each time of day, learnt from the training rows and stored with the model, and
 * the level test of a request against it. The network sees 32 rows at a time, so a level shift longer than a
 * slice looks normal to it and is reconstructed as it is; this test sees the whole request.
 *
 * Per metric m, in scaled space (features.ts):
 *   profile(t)  = median of the training rows in t's time-of-day slot (SLOT_MS wide; weekends apart when the
 *                 training rows hold PROFILE_DAYS days of each), each training day's level taken out first, a
 *                 slot outvoted by anomalies replaced by its neighbours; read linearly between slot centres
 *   d(t)        = y(t) - profile(t), the row's level beyond its time of day
 *   z(t)        = (d(t) - median of d) / robust scale of d, over the request's rows: a request that is low all
 *                 day (a weekend against a weekday profile) is not a shift, a stretch of it is
 *   level score = per run of z away from 0 (a maximum subarray), its mean against the sustained rule's bar of
 *                 metric/residual-verdict.ts; rows the reconstruction misses as points (spikes, dips, outages)
 *                 count as 0.
 * The flagged rows are then masked like any other (autoencoder.ts), imputed along the profile at the level of
 * the rows around them, so `expected` is the level outside the shift.
 */
import { PROFILE_DAYS } from '../metric/log-baseline.js';
import {
  DEFAULT_SENSITIVITY,
  pointThreshold,
  SUSTAINED_Z,
  varianceFactor,
} from '../metric/residual-verdict.js';
import { median } from '../stats/sens-slope.js';

const DAY_MS = 86_400_000;
/**
 * Width of a profile slot (or the sampling interval, when longer): narrow enough to follow the daily cycle, wide
 * enough for a steady median.
 */
const SLOT_MS = 1_800_000;
/** Per row, how far (in scales) z must be from 0 to lengthen a run: a run is where the level has moved. */
const DRIFT = 1;
/** Runs taken out of a metric's series, at most. */
const MAX_RUNS = 8;

/** Stored in the model's metadata (models trained before it have none, and no level test). */
export interface LevelProfile {
  slotMs: number;
  /** Offset of the rows' centre in a slot from its start: hourly rows sit at the start of hourly slots. */
  centreMs: number;
  /** Slots of Saturdays and Sundays follow those of the other days. */
  weekends: boolean;
  /** Per metric, the median scaled value per slot. */
  medians: number[][];
}

/** 1970-01-01 was a Thursday: Saturday and Sunday are days 2 and 3 of a week counted from it. */
const isWeekend = (time: number) => {
  const day = ((Math.floor(time / DAY_MS) % 7) + 7) % 7;
  return day === 2 || day === 3;
};

const timeOfDay = (time: number) => ((time % DAY_MS) + DAY_MS) % DAY_MS;

/** The median of `values` per group (0..groups - 1), the median of all for a group without values. */
function slotMedians(values: Float64Array, group: Int32Array, groups: number): number[] {
  const members: number[][] = Array.from({ length: groups }, () => []);
  values.forEach((v, r) => {
    members[group[r]!]!.push(v);
  });
  const all = median(values);
  return members.map((list) => (list.length === 0 ? all : median(list)));
}

/**
 * Each slot's value replaced by the median of it and its two neighbours (the day wraps round). The daily cycle is
 * smooth, and a slot that disagrees with both neighbours rests on anomalies: with three days of history, one
 * outage and one shift at the same time of day outvote the normal day.
 */
function medianOfThree(day: number[]): number[] {
  const n = day.length;
  return day.map((v, i) => {
    const [a, b] = [day[(i + n - 1) % n]!, day[(i + 1) % n]!];
    return Math.max(Math.min(a, b), Math.min(Math.max(a, b), v));
  });
}

/**
 * The profile of the training rows' scaled metrics (rows x metricCount, row-major), or null when the rows do not
 * span a day.
 */
export function fitLevelProfile(
  times: readonly number[],
  scaled: Float32Array,
  metricCount: number,
): LevelProfile | null {
  const days = new Set(times.map((t) => Math.floor(t / DAY_MS)));
  if (days.size < 2 || times[times.length - 1]! - times[0]! < DAY_MS) return null;
  const weekendDays = [...days].filter((d) => isWeekend(d * DAY_MS)).length;
  const weekends = weekendDays >= PROFILE_DAYS && days.size - weekendDays >= PROFILE_DAYS;
  const spacing = median(Float64Array.from(times.slice(1), (time, i) => time - times[i]!));
  const perDay = Math.max(1, Math.floor(DAY_MS / Math.max(SLOT_MS, spacing)));
  const slotMs = DAY_MS / perDay;
  const slotOf = (time: number) =>
    Math.floor(timeOfDay(time) / slotMs) + (weekends && isWeekend(time) ? perDay : 0);
  const slots = Int32Array.from(times, slotOf);
  const dayOf = Int32Array.from(times, (time) => Math.floor(time / DAY_MS) - Math.floor(times[0]! / DAY_MS));
  const medians = Array.from({ length: metricCount }, (_, m) => {
    const values = Float64Array.from(times, (_, r) => scaled[r * metricCount + m]!);
    // Two passes: slot medians of the values, then again with each day's level (its median deviation from the
    // first pass) taken out. A day-long difference (a weekend among weekdays) or an outage on one of three days
    // would otherwise move the median of a slot, and a request would deviate from it for hours.
    const first = slotMedians(values, slots, perDay * (weekends ? 2 : 1));
    const dayLevels = slotMedians(
      values.map((v, r) => v - first[slots[r]!]!),
      dayOf,
      dayOf[dayOf.length - 1]! + 1,
    );
    const medians = slotMedians(
      values.map((v, r) => v - dayLevels[dayOf[r]!]!),
      slots,
      first.length,
    );
    return weekends
      ? [...medianOfThree(medians.slice(0, perDay)), ...medianOfThree(medians.slice(perDay))]
      : medianOfThree(medians);
  });
  return { slotMs, centreMs: Math.max(0, (slotMs - spacing) / 2), weekends, medians };
}

/** profile(t) of every row and metric (rows x metricCount, row-major). */
export function profileAt(profile: LevelProfile, times: readonly number[]): Float64Array {
  const { slotMs, centreMs, weekends, medians } = profile;
  const perDay = Math.round(DAY_MS / slotMs);
  const count = medians.length;
  const out = new Float64Array(times.length * count);
  times.forEach((time, r) => {
    const position = (timeOfDay(time) - centreMs) / slotMs;
    const lower = Math.floor(position);
    const f = position - lower;
    const offset = weekends && isWeekend(time) ? perDay : 0;
    const a = offset + ((lower + perDay) % perDay);
    const b = offset + ((lower + 1) % perDay);
    for (let m = 0; m < count; m++) out[r * count + m] = medians[m]![a]! * (1 - f) + medians[m]![b]! * f;
  });
  return out;
}

/**
 * Per metric, the level score of each row (> 1: inside a significant run away from the usual level). Rows the
 * reconstruction misses by more than the default point threshold (spikes, dips, outages: the reconstruction follows a
 * long shift, so its rows are not among them) count as 0 here.
 */
export function levelScores(
  scaled: Float32Array,
  profile: Float64Array,
  reconstructed: Float64Array,
  scales: readonly number[],
  sensitivity: number,
  pointZ: number,
): Float64Array[] {
  const count = scales.length;
  const rows = scaled.length / count;
  // Which rows are points does not depend on the sensitivity: a lower one must not let an outage into the runs.
  const pointBar = pointThreshold(DEFAULT_SENSITIVITY, pointZ);
  // Plain loops: typed-array map and from-with-a-mapper call the function from native code, several times slower.
  const d = new Float64Array(rows);
  const deviation = new Float64Array(rows);
  return scales.map((errorScale, m) => {
    for (let r = 0; r < rows; r++) d[r] = scaled[r * count + m]! - profile[r * count + m]!;
    const center = median(d);
    for (let r = 0; r < rows; r++) deviation[r] = Math.abs(d[r]! - center);
    // The robust scale of metric/residual-verdict.ts (1.4826 x the median absolute deviation), but never finer
    // than the reconstruction's: a noiseless metric (a smooth client count) deviates from the profile's
    // piecewise-linear reading by a systematic trace that would otherwise be a run many scales long.
    const scale = Math.max(errorScale, 1.4826 * median(deviation));
    const z = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const error = scaled[r * count + m]! - reconstructed[r * count + m]!;
      z[r] = Math.abs(error) > pointBar * errorScale ? 0 : (d[r]! - center) / scale;
    }
    return runScores(z, sensitivity);
  });
}

/**
 * Scores of the rows of significant runs of z: repeatedly the run whose sum, less DRIFT per row, is largest (on
 * either side of 0; Kadane's maximum subarray, so its ends are where the deviation starts and stops), its ends
 * then trimmed to where z reaches half the run's mean (CUSUM's drift for a shift of that size: a stretch slightly
 * off the profile next to a large shift must not join it), scored by |mean| / (K_S sqrt(v / L)) as the sustained
 * rule of metric/residual-verdict.ts scores a window of L rows, and taken out of z, until a run is not significant.
 */
function runScores(z: Float64Array, sensitivity: number): Float64Array {
  const score = new Float64Array(z.length);
  if (sensitivity <= 0) return score;
  const bar = pointThreshold(sensitivity, SUSTAINED_Z) * Math.sqrt(varianceFactor(z));
  const rest = z.slice();
  for (let found = 0; found < MAX_RUNS; found++) {
    const wide = [heaviestRun(rest, 1, DRIFT), heaviestRun(rest, -1, DRIFT)].reduce((a, b) =>
      b.score > a.score ? b : a,
    );
    const inner = heaviestRun(rest.subarray(wide.start, wide.end), wide.sign, Math.max(DRIFT, wide.mean / 2));
    const run = { ...inner, start: wide.start + inner.start, end: wide.start + inner.end };
    const significance = run.score / bar;
    if (!(significance > 1)) break;
    score.fill(significance, run.start, run.end);
    rest.fill(0, wide.start, wide.end);
  }
  return score;
}

/**
 * Rows [start, end) of the run maximising the sum of sign * z - drift; its mean distance from 0 on that side,
 * and |sum of z| / sqrt(L).
 */
function heaviestRun(z: Float64Array, sign: number, drift: number) {
  let best = { start: 0, end: 0, gain: 0 };
  let start = 0;
  let gain = 0;
  for (let t = 0; t < z.length; t++) {
    if (gain <= 0) {
      start = t;
      gain = 0;
    }
    gain += sign * z[t]! - drift;
    if (gain > best.gain) best = { start, end: t + 1, gain };
  }
  const length = best.end - best.start;
  let sum = 0;
  for (let t = best.start; t < best.end; t++) sum += sign * z[t]!;
  return length === 0
    ? { start: 0, end: 0, sign, mean: 0, score: 0 }
    : { start: best.start, end: best.end, sign, mean: sum / length, score: sum / Math.sqrt(length) };
}
