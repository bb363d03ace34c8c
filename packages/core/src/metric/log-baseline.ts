/**
 * What a traffic metric usually is at each row, learnt from the request's own rows (no history needed), in log
 * space, where a tenfold spike and a drop to a tenth are the same distance from normal and the noise of
 * a busy hour and a quiet one are comparable:
 *   y(t)        = ln(1 + |x(t)|) sign(x(t))
 *   profile(t)  = median of y over the rows at the same time of day (slots of the sampling interval, widened so
 *                 each holds >= PROFILE_SAMPLES rows), separately for Saturdays-and-Sundays and the other days
 *                 when each has >= PROFILE_DAYS days of rows; 0 when the rows span less than PROFILE_DAYS days
 *   level(t)    = centred rolling median of y - profile over one day of rows (with a profile) or over
 *                 LEVEL_WITHOUT_PROFILE_MS of rows (without: it then follows the daily cycle itself); within half
 *                 a window of either end, where the window is one-sided, the first (last) full window's median
 *                 continued along that window's Sen slope, since a one-sided median of a rising series lags it
 *   baseline(t) = profile(t) + level(t),   residual(t) = y(t) - baseline(t)
 * Medians keep the baseline where it was through an anomaly shorter than half their window (an hour-long outage
 * at one minute, a day-long one at one hour), so `expected` = exp(baseline) is the value the anomaly replaced.
 */
import type { MetricRow } from '../metric-detection.js';
import { median, sensSlope } from '../stats/sens-slope.js';
import { mapToFloat64 } from '../transform/map-to-float64.js';
import { signedLog } from '../transform/signed-log.js';
import type { LevelShift } from './level-shifts.js';
import { robustScale } from './residual-verdict.js';
import { rollingMedian } from './rolling-median.js';

const DAY_MS = 86_400_000;
/** Days of rows from which a time-of-day profile is learnt (a median of at least three days). */
export const PROFILE_DAYS = 3;
/** Rows per profile slot, at least: slots are widened until a median has this many to go on. */
const PROFILE_SAMPLES = 6;
/** Level window without a profile: short enough to follow the daily cycle, long enough to outlast an outage. */
const LEVEL_WITHOUT_PROFILE_MS = 3 * 3_600_000;
/** Fewest rows in a level window. */
const MIN_LEVEL_ROWS = 25;

/** How rows are grouped; the same for every metric of a request. */
export interface BaselinePlan {
  /** Profile slot per row, or null without a profile. */
  slot: Int32Array | null;
  slots: number;
  /** The level window is 2 * halfWidth + 1 rows. */
  halfWidth: number;
  /** Median spacing of the rows (ms). */
  spacing: number;
  /**
   * Per row, 1 on Saturdays and Sundays, when the rows hold weekend days but too few for a profile of their own:
   * the weekend then gets the weekdays' profile moved by its own level, not a shift of its own.
   */
  weekend: Uint8Array | null;
}

export function planBaseline(rows: readonly MetricRow[]): BaselinePlan {
  const n = rows.length;
  const spacing =
    n < 2 ? DAY_MS : median(mapToFloat64({ length: n - 1 }, (_, i) => rows[i + 1]!.time - rows[i]!.time));
  const days = (rows[n - 1]!.time - rows[0]!.time + spacing) / DAY_MS;
  const profiled = days >= PROFILE_DAYS && spacing < DAY_MS;
  const levelRows = profiled ? DAY_MS / spacing : LEVEL_WITHOUT_PROFILE_MS / spacing;
  const halfWidth = Math.min(
    Math.floor((n - 1) / 2),
    Math.max(MIN_LEVEL_ROWS >> 1, Math.round(levelRows / 2)),
  );
  if (!profiled) return { slot: null, slots: 0, halfWidth, spacing, weekend: null };
  const weekend = Uint8Array.from(rows, (r) => +[0, 6].includes(new Date(r.time).getUTCDay()));
  const dayCount = (pick: number) =>
    new Set(rows.filter((_, i) => weekend[i] === pick).map((r) => Math.floor(r.time / DAY_MS))).size;
  const weekendDays = dayCount(1);
  const split = weekendDays >= PROFILE_DAYS && dayCount(0) >= PROFILE_DAYS;
  // Slots widen with the days the smaller profile has, so each of its medians still has PROFILE_SAMPLES rows.
  const profileDays = split ? Math.min(weekendDays, dayCount(0)) : Math.floor(days);
  const width = spacing * Math.max(1, Math.ceil(PROFILE_SAMPLES / profileDays));
  const perDay = Math.ceil(DAY_MS / width);
  const slot = Int32Array.from(rows, (row, i) => {
    const ofDay = Math.floor((((row.time % DAY_MS) + DAY_MS) % DAY_MS) / width);
    return split && weekend[i] ? perDay + ofDay : ofDay;
  });
  const shifted = !split && weekendDays > 0 && dayCount(0) > 0;
  return { slot, slots: split ? 2 * perDay : perDay, halfWidth, spacing, weekend: shifted ? weekend : null };
}

export interface LogBaseline {
  /** y(t): the signed log of each value. */
  log: Float64Array;
  /** y(t) - profile(t). */
  deseasoned: Float64Array;
  baseline: Float64Array;
  residual: Float64Array;
  /** The robust spread of the residuals, shifted rows left out: the noise, not the anomaly. */
  scale: number;
  /**
   * Per row, the robust spread of the residuals at its time of day (null without a profile): a sensor idle at
   * night can swing by orders of magnitude from one night hour to the next, every night, and that is its normal.
   */
  slotScale: Float64Array | null;
}

/**
 * @param shifts level shifts (level-shifts.ts) taken out of y - profile before the level is taken, so the level
 *   runs through them at the height around them.
 */
export function logBaseline(
  values: ArrayLike<number>,
  plan: BaselinePlan,
  shifts: readonly LevelShift[] = [],
): LogBaseline {
  const n = values.length;
  const log = mapToFloat64(values, signedLog);
  const profile = new Float64Array(n);
  if (plan.slot) {
    const bySlot: number[][] = Array.from({ length: plan.slots }, () => []);
    for (let i = 0; i < n; i++) bySlot[plan.slot[i]!]!.push(log[i]!);
    const slotMedian = bySlot.map((group) => (group.length === 0 ? 0 : median(group)));
    for (let i = 0; i < n; i++) profile[i] = slotMedian[plan.slot[i]!]!;
    if (plan.weekend) moveWeekend(log, profile, plan.weekend);
  }
  const deseasoned = new Float64Array(n);
  for (let i = 0; i < n; i++) deseasoned[i] = log[i]! - profile[i]!;
  const unshifted = Float64Array.from(deseasoned);
  const inShift = new Uint8Array(n);
  for (const { start, end, size } of shifts) {
    for (let i = start; i <= end; i++) {
      unshifted[i]! -= size;
      inShift[i] = 1;
    }
  }
  const level = continueEnds(rollingMedian(unshifted, plan.halfWidth), unshifted, plan.halfWidth);
  const baseline = new Float64Array(n);
  const residual = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    baseline[i] = profile[i]! + level[i]!;
    residual[i] = log[i]! - baseline[i]!;
  }
  return {
    log,
    deseasoned,
    baseline,
    residual,
    scale: robustScale(residual.filter((_, i) => inShift[i] === 0)),
    slotScale: plan.slot ? slotScales(residual, plan.slot, plan.slots, inShift) : null,
  };
}

/** Adds to the weekend rows' profile how far the weekend's median lies from the weekdays'. */
function moveWeekend(log: Float64Array, profile: Float64Array, weekend: Uint8Array): void {
  const apart = (pick: number) =>
    median(log.map((y, i) => y - profile[i]!).filter((_, i) => weekend[i] === pick));
  const offset = apart(1) - apart(0);
  for (let i = 0; i < log.length; i++) if (weekend[i]) profile[i]! += offset;
}

function slotScales(residual: Float64Array, slot: Int32Array, slots: number, skip: Uint8Array): Float64Array {
  const bySlot: number[][] = Array.from({ length: slots }, () => []);
  for (let i = 0; i < residual.length; i++) if (skip[i] === 0) bySlot[slot[i]!]!.push(residual[i]!);
  const scales = bySlot.map((group) => (group.length < PROFILE_DAYS ? 0 : robustScale(group)));
  return mapToFloat64(slot, (s) => scales[s]!);
}

/** Rows a window's Sen slope is taken from, at most: every k-th row (its pairs grow with the square of the rows). */
const SLOPE_ROWS = 64;

/** Sen's slope per row of every k-th row of `values`, k the smallest step leaving at most SLOPE_ROWS of them. */
function thinnedSlope(values: Float64Array): number {
  const step = Math.ceil(values.length / SLOPE_ROWS);
  if (step === 1) return sensSlope(values).slope;
  const kept = mapToFloat64({ length: Math.ceil(values.length / step) }, (_, i) => values[i * step]!);
  return sensSlope(kept).slope / step;
}

/** Replaces the one-sided ends of a rolling median by the nearest full window's median along its Sen slope. */
function continueEnds(level: Float64Array, values: Float64Array, halfWidth: number): Float64Array {
  const n = values.length;
  const span = 2 * halfWidth + 1;
  if (halfWidth < 1 || n < span) return level;
  const head = thinnedSlope(values.subarray(0, span));
  const tail = thinnedSlope(values.subarray(n - span));
  const first = level[halfWidth]!;
  const last = level[n - 1 - halfWidth]!;
  for (let t = 0; t < halfWidth; t++) {
    level[t] = first + head * (t - halfWidth);
    level[n - 1 - t] = last + tail * (halfWidth - t);
  }
  return level;
}
