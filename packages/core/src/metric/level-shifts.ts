/**
 * Level shifts: stretches where a series steps away from its level and later steps back (an epidemic change).
 * A rolling median follows any stretch longer than half its window, so a four-hour shift would become the
 * baseline; what tells a shift from the daily cycle is that it starts and ends with a step, where the cycle bends
 * smoothly.
 *
 * Step at row t, window w: on rows [t - w, t) and [t, t + w), those `usable`, fit two lines of one common slope b
 * (least squares), a_L + b x and a_R + b x with x = row - t:
 *   size(t) = a_R - a_L = (mean_R - mean_L) - b (x̄_R - x̄_L)
 *   z(t)    = size(t) / e(t) / (1.4826 MAD of size / e over every t),  e(t)² = 1 / n_L + 1 / n_R + (x̄_R - x̄_L)² / (S_L + S_R)
 * with S the sums of squared deviations of x: e is the standard error of size up to the noise's scale, and the
 * robust spread of all steps measures that scale on this series (autocorrelation and any bend the lines miss
 * included) without a model of the noise. A side needs w / 2 usable rows.
 * Steps are the local maxima of |z| within ±w above STEP_Z. A step and the strongest later one that undoes it
 * (opposite sign, sizes within a factor SIZE_AGREEMENT), at most a quarter of the rows apart (longer, it is a
 * regime rather than an anomaly), with no step between them as strong as the weaker of the two (a plateau),
 * enclose a shift of the mean of their sizes when their |z| add up to PAIR_Z; the strongest pairs are taken
 * first, and shifts do not overlap.
 */
import { robustScale } from './residual-verdict.js';

/** A step is a candidate beyond this many standard errors. */
export const STEP_Z = 2.5;
/** A shift's two steps together are at least this many standard errors. */
export const PAIR_Z = 7;
/** The smaller of a shift's two size estimates is at least this share of the larger (each is noisy). */
const SIZE_AGREEMENT = 1 / 3;

/** Rows start..end (inclusive) lie `size` above the level around them. */
export interface LevelShift {
  start: number;
  end: number;
  size: number;
}

interface Step {
  at: number;
  size: number;
  z: number;
}

/**
 * @param usable 1 where a row may be fitted (0 for rows already judged anomalous on their own).
 * @param window w, the rows on each side of a step.
 */
export function levelShifts(values: Float64Array, usable: Uint8Array, window: number): LevelShift[] {
  const steps = significantSteps(values, usable, window);
  const pairs: { away: Step; back: Step; strength: number }[] = [];
  for (const [i, away] of steps.entries()) {
    // Its end: the strongest later step that undoes it, within a quarter of the rows.
    const back = steps
      .slice(i + 1)
      .filter((step) => 4 * (step.at - away.at) <= values.length && opposite(away, step))
      .reduce<Step | undefined>(
        (best, step) => (best && Math.abs(best.z) >= Math.abs(step.z) ? best : step),
        undefined,
      );
    if (!back) continue;
    // A shift is a plateau: no step within it is as strong as the weaker of its ends.
    const weaker = Math.min(Math.abs(away.z), Math.abs(back.z));
    const plateau = steps.every(
      (step) => step.at <= away.at || step.at >= back.at || Math.abs(step.z) < weaker,
    );
    const strength = Math.abs(away.z) + Math.abs(back.z);
    if (plateau && strength >= PAIR_Z) pairs.push({ away, back, strength });
  }
  // Strongest first; a step ends one shift at most, and shifts do not overlap.
  pairs.sort((p, q) => q.strength - p.strength);
  const shifts: LevelShift[] = [];
  for (const { away, back } of pairs) {
    if (shifts.some((s) => away.at <= s.end + 1 && back.at >= s.start)) continue;
    shifts.push({ start: away.at, end: back.at - 1, size: (away.size - back.size) / 2 });
  }
  return shifts.sort((p, q) => p.start - q.start);
}

/** Whether `back` undoes `away`: opposite signs, sizes within SIZE_AGREEMENT. */
function opposite(away: Step, back: Step): boolean {
  const [small, large] = [Math.abs(away.size), Math.abs(back.size)].sort((a, b) => a - b) as [number, number];
  return Math.sign(away.size) === -Math.sign(back.size) && small >= SIZE_AGREEMENT * large;
}

/** The steps of `values`, in order: local maxima of |z| above STEP_Z. */
function significantSteps(values: Float64Array, usable: Uint8Array, w: number): Step[] {
  const n = values.length;
  const all = stepStatistics(values, usable, w);
  const steps: Step[] = [];
  for (let t = w; t + w <= n; t++) {
    const z = Math.abs(all.z[t]!);
    if (!(z > STEP_Z)) continue;
    let peak = true;
    for (let u = Math.max(w, t - w); peak && u < Math.min(n - w + 1, t + w + 1); u++) {
      const other = Math.abs(all.z[u]!);
      peak = other < z || (other === z && u >= t);
    }
    if (peak) steps.push({ at: t, size: all.size[t]!, z: all.z[t]! });
  }
  return steps;
}

/** size(t) and z(t) for every t with enough usable rows on both sides (0 elsewhere), from prefix sums in O(n). */
export function stepStatistics(values: Float64Array, usable: Uint8Array, w: number) {
  const n = values.length;
  // Prefix sums of count, x, x², y and xy over usable rows, with x the row index.
  const sums = Array.from({ length: 5 }, () => new Float64Array(n + 1));
  const [c, sx, sxx, sy, sxy] = sums as [
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  for (let t = 0; t < n; t++) {
    const keep = usable[t]! ? 1 : 0;
    c[t + 1] = c[t]! + keep;
    sx[t + 1] = sx[t]! + keep * t;
    sxx[t + 1] = sxx[t]! + keep * t * t;
    sy[t + 1] = sy[t]! + keep * values[t]!;
    sxy[t + 1] = sxy[t]! + keep * t * values[t]!;
  }
  const side = (from: number, to: number) => {
    const count = c[to]! - c[from]!;
    const meanX = (sx[to]! - sx[from]!) / count;
    const meanY = (sy[to]! - sy[from]!) / count;
    return {
      count,
      meanX,
      meanY,
      sxx: sxx[to]! - sxx[from]! - count * meanX * meanX,
      sxy: sxy[to]! - sxy[from]! - count * meanX * meanY,
    };
  };
  const size = new Float64Array(n);
  // size / its standard error up to the noise's scale, which the robust spread of all of them then estimates.
  const standardized = new Float64Array(n);
  const defined: number[] = [];
  for (let t = w; t + w <= n; t++) {
    const left = side(t - w, t);
    const right = side(t, t + w);
    if (2 * left.count < w || 2 * right.count < w) continue;
    const spread = left.sxx + right.sxx;
    const slope = spread > 0 ? (left.sxy + right.sxy) / spread : 0;
    const gap = right.meanX - left.meanX;
    size[t] = right.meanY - left.meanY - slope * gap;
    const error = Math.sqrt(1 / left.count + 1 / right.count + (spread > 0 ? (gap * gap) / spread : 0));
    standardized[t] = size[t]! / error;
    defined.push(standardized[t]!);
  }
  const scale = defined.length === 0 ? 1 : robustScale(defined);
  return { size, z: standardized.map((s) => s / scale) };
}
