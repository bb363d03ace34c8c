import { isCount, isFiniteNumber, isRecord, malformed } from '../state-checks.js';
import { cappedScore, type ScoreMember } from './score-member.js';

/** Weight of the newest value in the fast level: about two samples of memory. */
const FAST_ALPHA = 0.5;
/** Weight of the newest value in the slow mean and variance: about a hundred samples of memory. */
const SLOW_ALPHA = 0.01;
/** The spread is floored at this fraction of the range seen, so a flat history does not make every wiggle news. */
const SPREAD_FLOOR = 0.001;

export interface LevelMemberState {
  count: number;
  fast: number;
  mean: number;
  variance: number;
  /** Range of the values learned so far (null before the first). */
  min: number | null;
  max: number | null;
}

/**
 * Level member: has the series moved away from where it has been lately?
 *
 * Definition: a fast exponentially weighted mean f_t = a_f x_t + (1 - a_f) f_{t-1} (a_f = 0.5) against a slow
 * exponentially weighted mean m and variance v of the values (a_s = 0.01, West 1979's recurrences, with a 1/n
 * start so early estimates are plain means), both taken before x_t:
 *   z_t = |f_t - m| / max(sqrt(v), 0.001 * (max - min)),   raw_t = min(z_t, 8) / 8.
 * The fast mean moves half-way with one sample, so one odd sample scores less than a lasting step. After the
 * score, x_t is learned into m and v.
 *
 * Reference: the level member of the study in docs/background/detection-notes.md ("What the whole NAB corpus rewards");
 * D. H. D. West, "Updating mean and variance estimates: an improved method", CACM 22(9), 1979.
 * Cost: O(1) time, six numbers of state.
 */
export class LevelMember implements ScoreMember<LevelMemberState> {
  private count = 0;
  private fast = 0;
  private mean = 0;
  private variance = 0;
  private min = 0;
  private max = 0;
  /** The slow mean and spread the last value was scored against (what the member expected, and how loosely). */
  expected = Number.NaN;
  spread = Number.NaN;

  update(value: number, _time: number): number {
    if (this.count === 0) {
      this.count = 1;
      this.fast = value;
      this.mean = value;
      this.min = value;
      this.max = value;
      this.expected = value;
      this.spread = 0;
      return 0;
    }
    this.fast = FAST_ALPHA * value + (1 - FAST_ALPHA) * this.fast;
    this.expected = this.mean;
    this.spread = Math.max(Math.sqrt(this.variance), SPREAD_FLOOR * (this.max - this.min), Number.MIN_VALUE);
    const raw = cappedScore((this.fast - this.mean) / this.spread);

    this.count++;
    const weight = Math.max(SLOW_ALPHA, 1 / this.count);
    const delta = value - this.mean;
    this.mean += weight * delta;
    this.variance = (1 - weight) * (this.variance + weight * delta * delta);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    return raw;
  }

  toJSON(): LevelMemberState {
    const seen = this.count > 0;
    return {
      count: this.count,
      fast: this.fast,
      mean: this.mean,
      variance: this.variance,
      min: seen ? this.min : null,
      max: seen ? this.max : null,
    };
  }

  static fromJSON(state: unknown): LevelMember {
    const s = state as LevelMemberState;
    const range =
      s?.min === null && s?.max === null ? true : isFiniteNumber(s?.min) && isFiniteNumber(s?.max);
    if (
      !isRecord(s) ||
      !isCount(s.count) ||
      ![s.fast, s.mean, s.variance].every(isFiniteNumber) ||
      !range ||
      s.count > 0 !== (s.min !== null)
    ) {
      malformed('level member');
    }
    const member = new LevelMember();
    member.count = s.count;
    member.fast = s.fast;
    member.mean = s.mean;
    member.variance = s.variance;
    member.min = s.min ?? 0;
    member.max = s.max ?? 0;
    return member;
  }
}
