import { isFiniteNumber, isRecord } from '../state-checks.js';

/**
 * Transient check: a sample that jumps away from its predecessor and comes back with its successor is a spike
 * (or one sample of a burst), whatever the range or the history says; the same scale also tells a level step
 * (`step`): a single large change between calm ones.
 *
 * Definition: with a = x_t - x_{t-1} and b = x_t - x_{t+1} (both measured from the sample under test), x_t is a
 * transient when a and b have the same sign, min(|a|, |b|) > k * s, and min(|a|, |b|) >= max(|a|, |b|) / 2
 * (the series came back at least half-way). s is the typical absolute change |x_t - x_{t-1}| of the series,
 * kept as an exponentially weighted mean with a `memory`-sample time constant, winsorised at `clip` * s so the
 * transients it exists to find do not inflate it (a Huber-type M-estimate of scale, Huber 1981 ch. 5).
 *
 * A transient is evidence only while transients are rare in this series: the rate of transients is kept as an
 * exponentially weighted mean over `rateMemory` tests, and one counts only when that rate (before it) is below
 * `maxRate`. A spiky series (request counts, CPU load) has transients every few dozen samples; there they are
 * the series' normal behaviour, not news, and the anomaly likelihood judges them instead.
 *
 * Why both sides: a flood or a regime step also starts with a large change, but it does not come back at once;
 * a flood peak comes back by only a few percent of its rise per sample. Testing the return as well as the jump
 * tells a glitch from a real excursion at the price of one sample of delay. Why the typical change rather than
 * the spread of the values: it is local (a flood widens the range of values but hardly the sample-to-sample
 * noise), so a spike inside a past flood's range is still found.
 */
export interface TransientScaleState {
  /** Exponentially weighted mean absolute change. */
  scale: number;
  /** Changes learned so far. */
  count: number;
  /** Exponentially weighted rate of transients among the samples tested, and the number tested. */
  rate: number;
  tested: number;
}

/** Whether a state read back from storage has the shape TransientCheck wrote. */
export function isTransientScaleState(x: unknown): x is TransientScaleState {
  return isRecord(x) && [x.scale, x.count, x.rate, x.tested].every(isFiniteNumber);
}

export class TransientCheck {
  private state: TransientScaleState;

  /**
   * @param k how many typical changes each side of a transient must exceed
   * @param memory time constant of the scale, in samples
   * @param clip learned changes are capped at clip * scale
   * @param rateMemory time constant of the transient rate, in tests
   * @param maxRate transients count as evidence only while their rate is below this
   */
  constructor(
    private readonly k: number,
    private readonly memory: number,
    private readonly clip: number,
    private readonly rateMemory: number,
    private readonly maxRate: number,
    state: TransientScaleState = { scale: 0, count: 0, rate: 0, tested: 0 },
  ) {
    this.state = { ...state };
  }

  /**
   * True when `x` (between `before` and `after`) is a transient under the scale learned so far while transients
   * are rare; then learns whether it was one. O(1).
   */
  test(before: number, x: number, after: number): boolean {
    const a = x - before;
    const b = x - after;
    const small = Math.min(Math.abs(a), Math.abs(b));
    const large = Math.max(Math.abs(a), Math.abs(b));
    const s = this.state;
    const transient = a * b > 0 && s.scale > 0 && small > this.k * s.scale && 2 * small >= large;
    const rare = s.rate < this.maxRate;
    s.tested++;
    s.rate += Math.max(1 / s.tested, 1 / this.rateMemory) * ((transient ? 1 : 0) - s.rate);
    return transient && rare;
  }

  /**
   * True when `x` is a level step under the scale learned so far while transients are rare: the series was calm
   * (`before2` to `before` within `calm` typical changes), jumped to `x` by more than k typical changes, and
   * stayed there (`x` to `after` within `calm` typical changes again). A flood's rise or a gradual regime change
   * moves over several samples, so it is not calm on both sides of its largest change. Learns nothing. O(1).
   */
  step(before2: number, before: number, x: number, after: number, calm: number): boolean {
    const s = this.state;
    if (!(s.scale > 0 && s.rate < this.maxRate)) return false;
    const limit = calm * s.scale;
    return (
      Math.abs(before - before2) <= limit &&
      Math.abs(x - before) > this.k * s.scale &&
      Math.abs(after - x) <= limit
    );
  }

  /** The typical absolute change learned so far (0 before any). */
  get scale(): number {
    return this.state.scale;
  }

  /** Learns one change x_t - x_{t-1}. O(1). */
  observe(change: number): void {
    const s = this.state;
    // Nothing to cap by until the scale is positive (a flat start would otherwise keep it at 0 for ever).
    const size = s.scale > 0 ? Math.min(Math.abs(change), this.clip * s.scale) : Math.abs(change);
    s.count++;
    // 1/n start, as in the anomaly likelihood, so early estimates are plain means.
    s.scale += Math.max(1 / s.count, 1 / this.memory) * (size - s.scale);
  }

  toJSON(): TransientScaleState {
    return { ...this.state };
  }
}
