/**
 * A member of the default detector's ensemble: one cheap view of a stream that turns each new value into a raw
 * anomaly score (River's `score_one` followed by `learn_one`, river/anomaly/base.py). Raw scores of different
 * members have different scales and distributions; the anomaly likelihood calibrates each one separately.
 *
 * Contract: `update` scores the value against what was learned before it (never against itself), then learns
 * it, in O(1) time with bounded memory; the same inputs give the same scores (members draw no random numbers);
 * `toJSON` captures everything `update` reads, so a restored member continues bit for bit.
 */
export interface ScoreMember<State> {
  /**
   * Raw score of `value`, observed at `time` (epoch milliseconds), in [0, 1] (higher is more anomalous), or NaN
   * while the member has no opinion yet (it is then left out of the ensemble for this sample).
   */
  update(value: number, time: number): number;
  toJSON(): State;
}

/** Raw scores are capped z-scores: z / Z_CAP, saturating at 1 (the study's min(z, 8) / 8). */
export const Z_CAP = 8;

export function cappedScore(z: number): number {
  return Math.min(Math.abs(z), Z_CAP) / Z_CAP;
}
