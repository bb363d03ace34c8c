import { describe, expect, it } from 'vitest';
import {
  NAB_PROFILES,
  optimizeThreshold,
  probationaryLength,
  scaledSigmoid,
  scoreCorpus,
  scoreFile,
  sweepPoints,
} from './nab-score.js';

const standard = NAB_PROFILES.standard;

/** 20 rows (probation floor(0.15 * 20) = 3), one window over rows 10..13 (width 4). */
function file(detections: Record<number, number>) {
  const scores = new Float64Array(20);
  for (const [i, s] of Object.entries(detections)) scores[Number(i)] = s;
  return { name: 'f.csv', scores, windows: [[10, 13]] as const };
}

describe('NAB scoring', () => {
  it('matches the published constants', () => {
    expect(probationaryLength(20)).toBe(3);
    expect(probationaryLength(100_000)).toBe(750);
    // nab/sweeper.py docstring: S(-1) = 0.98661, S(-0.5) = 0.84828, S(0) = 0, S(1) = -0.98661.
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
    expect(scaledSigmoid(3)).toBe(-1);
  });

  it('weights rows by their position relative to the window', () => {
    const points = sweepPoints(file({}), standard);
    expect(points).toHaveLength(17); // rows 3..19
    const at = (row: number) => points[row - 3]!;
    expect(at(10)).toMatchObject({ sweep: 1, window: 'f.csv|10' }); // earliest row: full A_TP
    expect(at(12).sweep).toBeCloseTo(0.84828 / 0.98661, 4); // position -2/4
    expect(at(5)).toMatchObject({ sweep: -0.11, window: null }); // no window before: full A_FP
    // 3 rows after a width-4 window: |13 - 16| / (4 - 1) = 1 -> S(1) * 0.11.
    expect(at(16).sweep).toBeCloseTo(-0.98661 * 0.11, 5);
  });

  it('counts only the best (earliest) detection of a window and charges each false positive', () => {
    const late = scoreFile(file({ 12: 1, 13: 1 }), standard, 0.5);
    expect(late.score).toBeCloseTo(0.84828 / 0.98661, 4);
    // First detection at row 12, past the middle (11.5) of window 10..13: late.
    expect(late).toMatchObject({ detectedWindows: 1, missedWindows: 0, falsePositives: 0, lateWindows: 1 });
    const withFp = scoreFile(file({ 10: 1, 5: 1, 16: 1 }), standard, 0.5);
    expect(withFp.score).toBeCloseTo(1 - 0.11 - 0.98661 * 0.11, 4);
    expect(withFp).toMatchObject({ falsePositives: 2, lateWindows: 0 });
    expect(scoreFile(file({ 5: 1 }), standard, 0.5).score).toBeCloseTo(-1 - 0.11, 10);
    // Detections during probation are ignored.
    expect(scoreFile(file({ 1: 1 }), standard, 0.5).score).toBe(-1);
  });

  it('picks the corpus threshold maximising the total, the highest among ties', () => {
    // Scores: FP at 0.9, window hit at 0.7. Threshold 0.7 gives 1 - 0.11 = 0.89, 1.1 gives -1.
    const best = optimizeThreshold([file({ 5: 0.9, 10: 0.7 })], standard);
    expect(best.threshold).toBe(0.7);
    expect(best.score).toBeCloseTo(0.89, 10);
    // Heavier false positives (reward_low_FP_rate, A_FN = 1): still worth it, 1 - 0.22.
    expect(optimizeThreshold([file({ 5: 0.9, 10: 0.7 })], NAB_PROFILES.reward_low_FP_rate).score).toBeCloseTo(
      0.78,
    );
  });

  it('normalises between the null detector and the perfect one', () => {
    const perfect = scoreCorpus([file({ 10: 1 })], 'standard');
    // On so short a file the constant detector does best flagging every row: the window at full weight,
    // 7 rows before it at -0.11 each, and rows 14..19 at S(k / 3) * 0.11.
    let after = 0;
    for (let k = 1; k <= 6; k++) after += scaledSigmoid(k / 3) * 0.11;
    expect(perfect.null).toBeCloseTo(1 - 7 * 0.11 + after, 10);
    expect(perfect).toMatchObject({ raw: 1, perfect: 1, normalized: 100 });
    // A lone false positive: the sweep falls back to the constant detector's best threshold, hence 0.
    const none = scoreCorpus([file({ 3: 1 })], 'standard');
    expect(none.threshold).toBe(0);
    expect(none.normalized).toBe(0);
    // reward_low_FN_rate: a late hit at position -2/4 is worth S(-0.5) / S(-1).
    const late = scoreCorpus([file({ 12: 1 })], 'reward_low_FN_rate');
    const lateRaw = 0.84828 / 0.98661;
    expect(late.raw).toBeCloseTo(lateRaw, 4);
    expect(late.normalized).toBeCloseTo((100 * (late.raw - late.null)) / (1 - late.null), 10);
  });
});
