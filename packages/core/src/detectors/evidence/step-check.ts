import { isCount, isFiniteNumber, isRecord, malformed } from '../state-checks.js';

/** Samples before the step that set the baseline; a line is fitted to all but the last of them. */
const PRE = 10;
/** Samples at the new level that the test sees: the step's first, the one flagged, and its successor. */
const POST = 3;
/** Values the test reads, the newest last: PRE before the step and POST at the new level. */
export const STEP_SPAN = PRE + POST;
/** The mean shift must exceed this many standard errors of a difference of means. */
const K = 5;
/** Each post sample must sit at least one noise sigma off the baseline, on the same side. */
const MIN_OFFSET = 1;
/** Noise sigma is at least this many typical absolute changes (1.2 x 0.886, the sigma of Gaussian noise). */
const SIGMA_PER_CHANGE = 1.2;
/**
 * "Calm": the post samples within max(0.3 |shift|, 2 sigma) of the new level, and the sample before the step within
 * max(0.3 |shift|, 3 sigma) of the baseline (one noisy sample just before a step must not hide it; a flood's
 * two-sample rise, half-way at that sample, is still caught by the first bound).
 */
const CALM_SHARE = 0.3;
const CALM_SIGMAS = 2;
const PRE_CALM_SIGMAS = 3;
/** The first post sample must take at least this share of the shift (abrupt, not a ramp). */
const ABRUPT_SHARE = 0.6;
/** The new level must lie at least this share of the shift away from the expected value (not a recovery). */
const AWAY_SHARE = 0.2;
/** Repeats just before the step that mark the end of a stuck run (its recovery is not a shift). */
const STUCK_REPEATS = 3;
/** A step is routine once this many of at least half its size happened within the memory. */
const ROUTINE = 5;
/** Steps remembered for the routine test. */
const REMEMBERED = 16;

export interface StepCheckState {
  /** Qualifying steps: [seq, size], oldest first. */
  steps: Array<[number, number]>;
}

/**
 * Level shift: an abrupt step to a new level with calm on both sides, that is neither a recovery nor routine.
 *
 * Definition: to decide sample t with its successor known, a step is assumed to start at c = t - 1. A line fitted
 * by least squares to x_{c-10} .. x_{c-2} is the baseline (its residual sd, floored at 1.2 typical changes, is the
 * noise sigma); e_k = x_{c+k} - line(c + k) for k = 0, 1, 2 are the post residuals and e their mean. It is a step when
 * - |e| > 5 sigma sqrt(1/3 + 1/10) (a two-sample difference of means) and every e_k is over 1 sigma, same side;
 * - calm: the e_k stay within max(0.3 |e|, 2 sigma) of e, and x_{c-1} within max(0.3 |e|, 3 sigma) of the baseline;
 * - abrupt: x_c - x_{c-1}, less the baseline slope, is at least 0.6 |e| (a flood's rise or a regime's logistic
 *   transition takes several samples);
 * - away: the new level lies at least 0.2 |e| from the value expected before the step (the recalibration that ends a
 *   drift returns towards it);
 * - not a stuck sensor coming back (three repeats just before c).
 * Such a step is news unless five steps of at least half its size happened within `memory` samples (a square wave,
 * a pump that switches). Flagging x_t, the step's second sample, costs one sample of latency and tells a step
 * from a spike, which comes back at once.
 *
 * Cost: O(PRE) time; up to 16 remembered steps of state (the values are the caller's).
 */
export class StepCheck {
  /** Qualifying steps as seq, size, seq, size, ..., oldest first (flat: pairs of arrays cost ~40 bytes each). */
  private steps: number[] = [];

  /** @param memory samples over which steps of a size count towards making that size routine */
  constructor(private readonly memory: number) {}

  /**
   * True when sample `seq` is the second sample of a level shift, given the last STEP_SPAN values `recent` (oldest
   * first; `seq` is the second newest), the value expected before the step and the typical absolute change
   * `scale`; records qualifying steps.
   */
  test(seq: number, recent: readonly number[], expected: number, scale: number): boolean {
    if (recent.length < STEP_SPAN) return false;
    const x = recent.length === STEP_SPAN ? recent : recent.slice(-STEP_SPAN);
    const c = PRE; // index of the step's first sample
    const fitted = PRE - 1;
    const mid = (fitted - 1) / 2;
    let mean = 0;
    for (let j = 0; j < fitted; j++) mean += x[j]!;
    mean /= fitted;
    let sxy = 0;
    let sxx = 0;
    for (let j = 0; j < fitted; j++) {
      sxy += (j - mid) * (x[j]! - mean);
      sxx += (j - mid) * (j - mid);
    }
    const slope = sxy / sxx;
    const line = (j: number) => mean + slope * (j - mid);
    let squares = 0;
    for (let j = 0; j < fitted; j++) squares += (x[j]! - line(j)) ** 2;
    const sigma = Math.max(Math.sqrt(squares / (fitted - 2)), SIGMA_PER_CHANGE * scale);

    const e0 = x[c]! - line(c);
    const e1 = x[c + 1]! - line(c + 1);
    const e2 = x[c + 2]! - line(c + 2);
    const shift = (e0 + e1 + e2) / POST;
    const size = Math.abs(shift);
    const big =
      size > K * sigma * Math.sqrt(1 / POST + 1 / PRE) &&
      Math.min(Math.abs(e0), Math.abs(e1), Math.abs(e2)) > MIN_OFFSET * sigma &&
      e0 * e1 > 0 &&
      e1 * e2 > 0;
    if (!big) return false;
    const calm = Math.max(CALM_SHARE * size, CALM_SIGMAS * sigma);
    const spread = Math.max(Math.abs(e0 - shift), Math.abs(e1 - shift), Math.abs(e2 - shift));
    const flat =
      spread <= calm &&
      Math.abs(x[c]! - x[c - 1]! - slope) >= ABRUPT_SHARE * size &&
      Math.abs(x[c - 1]! - line(c - 1)) <= Math.max(CALM_SHARE * size, PRE_CALM_SIGMAS * sigma);
    if (!flat) return false;
    const level = (x[c]! + x[c + 1]! + x[c + 2]!) / POST;
    if (Math.abs(level - expected) < AWAY_SHARE * size) return false;
    let repeats = 0;
    while (repeats < STUCK_REPEATS && x[c - 1 - repeats] === x[c - 2 - repeats]) repeats++;
    if (repeats >= STUCK_REPEATS) return false;

    const steps = this.steps;
    let similar = 0;
    for (let i = 0; i < steps.length; i += 2) {
      if (seq - steps[i]! < this.memory && steps[i + 1]! >= size / 2) similar++;
    }
    if (steps.length === 0 || seq - steps[steps.length - 2]! > POST) {
      steps.push(seq, size);
      if (steps.length > 2 * REMEMBERED) steps.splice(0, 2);
    }
    return similar < ROUTINE;
  }

  toJSON(): StepCheckState {
    const steps: Array<[number, number]> = [];
    for (let i = 0; i < this.steps.length; i += 2) steps.push([this.steps[i]!, this.steps[i + 1]!]);
    return { steps };
  }

  static fromJSON(state: unknown, memory: number): StepCheck {
    const s = state as StepCheckState;
    if (
      !isRecord(s) ||
      !Array.isArray(s.steps) ||
      s.steps.length > REMEMBERED ||
      !s.steps.every((p) => Array.isArray(p) && p.length === 2 && isCount(p[0]) && isFiniteNumber(p[1]))
    ) {
      malformed('step check');
    }
    const check = new StepCheck(memory);
    check.steps = s.steps.flat();
    return check;
  }
}
