import { isCount, isFiniteNumber, isRecord, malformed } from '../state-checks.js';

/** A run is news when its probability under the series' repeat rate falls below this. */
const RARE = 1e-8;
/** Time constant of the repeat rate, in samples. */
const MEMORY = 1000;
/** A series that repeats this often (a flat line, a counter that rarely moves) makes no run news. */
const MAX_REPEAT_RATE = 0.9;

export interface StuckCheckState {
  /** Repeats of the newest value (0 when it differs from the one before). */
  run: number;
  /** Exponentially weighted rate of repeats, and the number of samples it has seen. */
  repeatRate: number;
  seen: number;
}

/**
 * Stuck sensor: a run of identical values that the series' own repeat rate makes improbable.
 *
 * Definition: with p the exponentially weighted rate at which a value equals its predecessor (time constant 1000
 * samples, plus 1/(n + 1) so an unseen repeat is not impossible; Laplace's rule of succession), a run of k repeats
 * has probability p^k. The run becomes news at the repeat where p^k first falls below 1e-8, once per run; series
 * repeating more than 90 % of the time make no run news. While the run is improbable, `stuck` is true so other
 * checks do not learn from it (a frozen value would otherwise shrink their idea of the noise).
 *
 * Cost: O(1) time, three numbers of state.
 */
export class StuckCheck {
  private run = 0;
  private repeatRate = 0;
  private seen = 0;
  /** Whether the newest value belongs to an improbable run. */
  stuck = false;

  /** Learns `value` after `previous` (undefined for the first); true at the repeat that makes the run news. */
  observe(value: number, previous: number | undefined): boolean {
    const repeat = previous !== undefined && value === previous;
    this.run = repeat ? this.run + 1 : 0;
    let news = false;
    this.stuck = false;
    if (this.run >= 2 && this.repeatRate < MAX_REPEAT_RATE) {
      const logP = Math.log(Math.min(this.repeatRate + 1 / (this.seen + 1), 1));
      this.stuck = this.run * logP < Math.log(RARE);
      news = this.stuck && (this.run - 1) * logP >= Math.log(RARE);
    }
    this.seen++;
    if (previous !== undefined) {
      this.repeatRate += Math.max(1 / this.seen, 1 / MEMORY) * ((repeat ? 1 : 0) - this.repeatRate);
    }
    return news;
  }

  toJSON(): StuckCheckState {
    return { run: this.run, repeatRate: this.repeatRate, seen: this.seen };
  }

  static fromJSON(state: unknown): StuckCheck {
    const s = state as StuckCheckState;
    if (!isRecord(s) || !isCount(s.run) || !isFiniteNumber(s.repeatRate) || !isCount(s.seen)) {
      malformed('stuck check');
    }
    const check = new StuckCheck();
    check.run = s.run;
    check.repeatRate = s.repeatRate;
    check.seen = s.seen;
    return check;
  }
}
