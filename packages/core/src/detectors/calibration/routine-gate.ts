import { isFiniteNumber, isNumberArray, isRecord, malformed } from '../state-checks.js';

/** Levels of the averaged raw score told apart (bins over [0, 1]). */
const BINS = 64;
/** Weights are renormalised before they could overflow single precision. */
const RENORMALISE_AT = 1e30;

export interface RoutineGateState {
  /** Exponentially weighted counts per level, each scaled by `weight`. */
  counts: number[];
  weight: number;
}

/**
 * Novelty gate: an alarm is not news when the series has reached the same surprise many times recently (a peak
 * that comes every day, an ordinary weekly load).
 *
 * Definition: keeps an exponentially weighted histogram (time constant `memory` samples) of a member's averaged raw
 * score m in 64 levels over [0, 1]. An alarm at level m is routine when more than `limit` weighted samples reached
 * at least m's level. Decay costs nothing per sample: the k-th sample is added with weight (1 - 1/memory)^-k and
 * counts are read divided by the current weight (renormalised when it grows past 1e30; counts are single
 * precision, which a comparison with a limit of 30 does not notice).
 *
 * Reference: the "novelty gate" of the study in docs/background/detection-notes.md (about 1 NAB point).
 * Cost: O(1) to remember a sample, O(64) to test an alarm (alarms are rare); 65 numbers of state.
 */
export class RoutineGate {
  private counts = new Float32Array(BINS);
  private weight = 1;
  private readonly growth: number;

  constructor(
    memory: number,
    private readonly limit: number,
  ) {
    this.growth = 1 / (1 - 1 / memory);
  }

  /** True when more than `limit` recent samples reached at least the level of `average` (in [0, 1]). */
  routine(average: number): boolean {
    let reached = 0;
    for (let k = level(average); k < BINS; k++) reached += this.counts[k]!;
    return reached / this.weight > this.limit;
  }

  remember(average: number): void {
    this.weight *= this.growth;
    this.counts[level(average)]! += this.weight;
    if (this.weight > RENORMALISE_AT) {
      for (let k = 0; k < BINS; k++) this.counts[k]! /= this.weight;
      this.weight = 1;
    }
  }

  toJSON(): RoutineGateState {
    return { counts: Array.from(this.counts), weight: this.weight };
  }

  static fromJSON(state: unknown, memory: number, limit: number): RoutineGate {
    const s = state as RoutineGateState;
    if (!isRecord(s) || !isNumberArray(s.counts, BINS) || !isFiniteNumber(s.weight) || !(s.weight >= 1)) {
      malformed('routine gate');
    }
    const gate = new RoutineGate(memory, limit);
    gate.counts = Float32Array.from(s.counts);
    gate.weight = s.weight;
    return gate;
  }
}

function level(average: number): number {
  return Math.max(0, Math.min(BINS - 1, Math.floor(average * BINS)));
}
