import { normalSf } from '../../stats/normal.js';
import { isCount, isFiniteNumber, isNumberArray, isRecord, malformed } from '../state-checks.js';
import { RoutineGate, type RoutineGateState } from './routine-gate.js';

/** Raw scores averaged into the short-term mean. */
const AVERAGING = 10;
/** Short-term means the normal distribution is fitted to (Numenta's 8640: a month of 5-minute samples). */
const HISTORY = 8640;
/** The distribution is refitted every this many samples; the history is kept as sums per block of that size. */
const REESTIMATION = 100;
const BLOCKS = Math.ceil(HISTORY / REESTIMATION);
/** No tail other than 0.5 before this many samples; the first fit comes then. */
export const LIKELIHOOD_LEARNING = 300;
/** The first short-term means (while the members' own estimates settle) are left out of the fit. */
const SKIP = 150;
/** Floors of the fitted mean and variance (Numenta's): a quiet history must not make every wiggle certain. */
const MIN_MEAN = 0.03;
const MIN_VARIANCE = 0.0003;
/** A tail at or below RED is an alarm-level surprise; a red right after a red is demoted to YELLOW. */
export const RED_TAIL = 1e-5;
export const YELLOW_TAIL = 1e-3;

/** The novelty gate of a likelihood: memory and limit of its RoutineGate. */
const GATE = { memory: HISTORY, limit: 30 };

export interface WindowedLikelihoodState {
  /** Last raw scores, oldest first (at most AVERAGING). */
  recent: number[];
  count: number;
  /** Completed blocks, oldest first: sums of short-term means and of their squares (how many each block holds
   * follows from `count`). */
  blockSums: number[];
  blockSquares: number[];
  /** The block being filled. */
  sum: number;
  squares: number;
  /** The fitted distribution (mean and standard deviation, floored), or null before the first fit. */
  mean: number | null;
  sd: number | null;
  previousRed: boolean;
  gate: RoutineGateState | null;
}

/**
 * Anomaly likelihood as Numenta publishes it (Ahmad, Lavin, Purdy & Agha 2017, "Unsupervised real-time anomaly
 * detection for streaming data", Neurocomputing 262; Numenta's nupic `anomaly_likelihood.py`): turns one member's
 * raw scores, whatever their scale, into a calibrated "how unusual is this, here".
 *
 * Definition: m_t is the mean of the last 10 raw scores. A normal distribution N(mu, sigma^2) is fitted to the
 * short-term means of the last 8640 samples (the first 150 left out), refitted every 100 samples from sample 300 on,
 * with mu floored at 0.03 and sigma^2 at 3e-4. The tail is two-sided, Q(|m_t - mu| / sigma) (Q the standard normal
 * survival function): a member that goes unusually quiet is news too. Filters, in order:
 * - novelty gate (optional, see RoutineGate): a red at a level the member reached often lately becomes yellow;
 * - "first red only" (Numenta's `_filterLikelihoods`): a red (tail <= 1e-5) right after a red becomes 1e-3.
 * Before the first fit the tail is 0.5.
 *
 * The history is kept as per-block sums (single precision once a block is complete), since the fit only needs
 * the sums: 87 blocks instead of 8640 values. Cost: O(1) per sample, O(87) every 100 samples.
 */
export class WindowedLikelihood {
  /** Ring of the last raw scores (a plain array: smaller than a typed array of ten). */
  private recent: number[] = new Array<number>(AVERAGING).fill(0.5);
  private recentCount = 0;
  private count = 0;
  /**
   * Ring of completed blocks, each as its sum and sum of squares side by side (one array: each typed array costs
   * about 200 bytes besides its data); `blockHead` is the next one written, `blocks` how many are held.
   */
  private blockSums = new Float32Array(2 * BLOCKS);
  private blockHead = 0;
  private blocks = 0;
  private sum = 0;
  private squares = 0;
  private mean = Number.NaN;
  private sd = Number.NaN;
  private previousRed = false;
  private gate: RoutineGate | null;
  /** The short-term mean of the last update, and whether its tail was an alarm-level red (after the filters). */
  average = 0;
  red = false;

  /** @param novelty whether alarms at routine levels are demoted (the novelty gate) */
  constructor(novelty = false) {
    this.gate = novelty ? new RoutineGate(GATE.memory, GATE.limit) : null;
  }

  /** Whether the distribution has been fitted (tails other than 0.5 come from then on). */
  get fitted(): boolean {
    return !Number.isNaN(this.mean);
  }

  /** The short-term mean `z` fitted standard deviations above the fitted mean (NaN before the first fit). */
  averageAt(z: number): number {
    return this.mean + z * this.sd;
  }

  /** The tail probability of the next raw score against the history (after the filters); then learns it. */
  update(raw: number): number {
    this.recent[this.recentCount % AVERAGING] = raw;
    this.recentCount++;
    const n = Math.min(this.recentCount, AVERAGING);
    // Oldest first, the order a restored likelihood sums in too (floating-point sums depend on order).
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.recent[(this.recentCount - n + i) % AVERAGING]!;
    const average = sum / n;
    this.average = average;
    let tail = this.fitted ? normalSf(Math.abs(average - this.mean) / this.sd) : 0.5;

    this.count++;
    if (this.count > SKIP) {
      this.sum += average;
      this.squares += average * average;
    }
    if (this.count % REESTIMATION === 0) this.closeBlock();

    let red = tail <= RED_TAIL;
    if (this.gate !== null) {
      if (red && this.gate.routine(average)) {
        tail = YELLOW_TAIL;
        red = false;
      }
      this.gate.remember(average);
    }
    const afterRed = this.previousRed;
    this.previousRed = red;
    this.red = red && !afterRed;
    return this.red || !red ? tail : YELLOW_TAIL;
  }

  /** Files the current block into the ring and refits from sample LIKELIHOOD_LEARNING on. */
  private closeBlock(): void {
    this.blockSums[2 * this.blockHead] = this.sum;
    this.blockSums[2 * this.blockHead + 1] = this.squares;
    this.blockHead = (this.blockHead + 1) % BLOCKS;
    this.blocks = Math.min(this.blocks + 1, BLOCKS);
    this.sum = 0;
    this.squares = 0;
    if (this.count < LIKELIHOOD_LEARNING) return;
    let sum = 0;
    let squares = 0;
    let count = 0;
    for (let i = 0; i < this.blocks; i++) {
      const b = this.blockAt(i);
      sum += this.blockSums[2 * b]!;
      squares += this.blockSums[2 * b + 1]!;
      // The i-th oldest block ended at sample `end`; only samples after SKIP were summed into it.
      const end = this.count - (this.blocks - 1 - i) * REESTIMATION;
      count += Math.max(0, Math.min(REESTIMATION, end - SKIP));
    }
    if (count === 0) return;
    const mean = sum / count;
    this.mean = Math.max(mean, MIN_MEAN);
    this.sd = Math.sqrt(Math.max(squares / count - mean * mean, MIN_VARIANCE));
  }

  /** Ring index of the i-th oldest completed block. */
  private blockAt(i: number): number {
    return (this.blockHead - this.blocks + i + BLOCKS) % BLOCKS;
  }

  toJSON(): WindowedLikelihoodState {
    const n = Math.min(this.recentCount, AVERAGING);
    const recent: number[] = [];
    for (let i = 0; i < n; i++) recent.push(this.recent[(this.recentCount - n + i) % AVERAGING]!);
    const order = (part: 0 | 1) => {
      const out: number[] = [];
      for (let i = 0; i < this.blocks; i++) out.push(this.blockSums[2 * this.blockAt(i) + part]!);
      return out;
    };
    return {
      recent,
      count: this.count,
      blockSums: order(0),
      blockSquares: order(1),
      sum: this.sum,
      squares: this.squares,
      mean: this.fitted ? this.mean : null,
      sd: this.fitted ? this.sd : null,
      previousRed: this.previousRed,
      gate: this.gate === null ? null : this.gate.toJSON(),
    };
  }

  static fromJSON(state: unknown, novelty = false): WindowedLikelihood {
    const s = state as WindowedLikelihoodState;
    const blocks = isRecord(s) && Array.isArray(s.blockSums) ? s.blockSums.length : -1;
    if (
      !isRecord(s) ||
      !isNumberArray(s.recent) ||
      s.recent.length > AVERAGING ||
      !isCount(s.count) ||
      blocks > BLOCKS ||
      !isNumberArray(s.blockSums, blocks) ||
      !isNumberArray(s.blockSquares, blocks) ||
      blocks > Math.floor(s.count / REESTIMATION) ||
      ![s.sum, s.squares].every(isFiniteNumber) ||
      !(s.mean === null ? s.sd === null : isFiniteNumber(s.mean) && isFiniteNumber(s.sd)) ||
      typeof s.previousRed !== 'boolean' ||
      (s.gate === null) === novelty
    ) {
      malformed('anomaly likelihood');
    }
    const likelihood = new WindowedLikelihood(false);
    // The ring restarts at slot 0 with the stored values oldest first; only their order matters.
    s.recent.forEach((v, i) => {
      likelihood.recent[i] = v;
    });
    likelihood.recentCount = s.recent.length;
    likelihood.count = s.count;
    for (let b = 0; b < blocks; b++) {
      likelihood.blockSums[2 * b] = s.blockSums[b]!;
      likelihood.blockSums[2 * b + 1] = s.blockSquares[b]!;
    }
    likelihood.blocks = blocks;
    likelihood.blockHead = blocks % BLOCKS;
    likelihood.sum = s.sum;
    likelihood.squares = s.squares;
    likelihood.mean = s.mean ?? Number.NaN;
    likelihood.sd = s.sd ?? Number.NaN;
    likelihood.previousRed = s.previousRed;
    likelihood.gate = s.gate === null ? null : RoutineGate.fromJSON(s.gate, GATE.memory, GATE.limit);
    return likelihood;
  }
}
