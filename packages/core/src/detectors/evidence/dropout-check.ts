import { isCount, isFiniteNumber, isRecord, malformed } from '../state-checks.js';

/** A 0 is news while zeros are rarer than this in the series. */
const MAX_ZERO_RATE = 0.02;
/** Time constant of the zero rate, in samples. */
const MEMORY = 1000;
/** The value before the 0 must lie this many typical changes away from 0: a reading that merely crosses 0 is not one. */
const JUMP = 6;

export interface DropoutCheckState {
  zeroRate: number;
  seen: number;
}

/**
 * Dropout: a sensor that suddenly reads exactly 0 (a lost connection, a reset) where the series rarely reads 0.
 *
 * Definition: x_t is a dropout when x_t = 0, |x_{t-1}| > 6 s (s the typical absolute change of the series, see
 * TransientCheck) and the exponentially weighted rate of zeros (time constant 1000 samples, 1/n start) is below
 * 1 in 50. The jump condition keeps a temperature that passes through 0.00 from counting.
 *
 * Cost: O(1) time, two numbers of state.
 */
export class DropoutCheck {
  private zeroRate = 0;
  private seen = 0;

  /** True when `value` is a dropout after `previous` given the typical change `scale`; then learns `value`. */
  observe(value: number, previous: number | undefined, scale: number): boolean {
    const news =
      value === 0 &&
      previous !== undefined &&
      Math.abs(previous) > JUMP * scale &&
      this.zeroRate < MAX_ZERO_RATE;
    this.seen++;
    this.zeroRate += Math.max(1 / this.seen, 1 / MEMORY) * ((value === 0 ? 1 : 0) - this.zeroRate);
    return news;
  }

  toJSON(): DropoutCheckState {
    return { zeroRate: this.zeroRate, seen: this.seen };
  }

  static fromJSON(state: unknown): DropoutCheck {
    const s = state as DropoutCheckState;
    if (!isRecord(s) || !isFiniteNumber(s.zeroRate) || !isCount(s.seen)) malformed('dropout check');
    const check = new DropoutCheck();
    check.zeroRate = s.zeroRate;
    check.seen = s.seen;
    return check;
  }
}
