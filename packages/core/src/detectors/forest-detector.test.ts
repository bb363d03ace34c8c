import { describe, expect, it } from 'vitest';
import { type AnomalyKind, cleanStream, streamWith } from '../../test/synthetic-streams.js';
import { Random } from '../random.js';
import { runStream } from '../testing/conformance.js';
import { createStreamDetector } from './registry.js';

const W = 64;
const N = 1500;
const AT = 1000;

function flaggedSeqs(detector: string, values: number[], seed = 1): number[] {
  const verdicts = runStream(createStreamDetector({ detector, window: W, seed }), values);
  return verdicts.filter((s) => s.outlier).map((s) => s.seq);
}

describe('forest station detector on synthetic streams', () => {
  it.each<[AnomalyKind, number]>([
    ['spike', 0],
    ['level-shift', 3],
    ['stuck', 6],
    ['dropout', 0],
  ])('flags a %s within %i samples of its start', (kind, delay) => {
    for (const seed of [1, 2, 3]) {
      const { values, at } = streamWith(kind, N, AT, seed);
      const flagged = flaggedSeqs('forest', values);
      expect(flagged.some((s) => s >= at && s <= at + delay)).toBe(true);
    }
  });

  it('raises one alarm per event, not one per anomalous sample', () => {
    const { values, at } = streamWith('level-shift', N, AT, 4);
    const flagged = flaggedSeqs('forest', values);
    expect(flagged.filter((s) => s >= at && s < at + W)).toHaveLength(1);
  });

  it('catches a large spike that the reference misses once its forest is fitted', () => {
    // The spike sits in the second tumbling window: the reference scores it with the forest of the first window
    // (no drift), which cannot rank it above that window's maximum.
    const values = cleanStream(2 * W, 5);
    values[W + 20] = values[W + 20]! + 30;
    expect(flaggedSeqs('reference', values)).not.toContain(W + 20);
    const long = cleanStream(N, 5);
    long[AT] = long[AT]! + 30;
    expect(flaggedSeqs('forest', long)).toContain(AT);
  });

  it('does not flood on a steady trend or on clean data', () => {
    // A trend of 10 units (5 daily amplitudes) over the stream: at most a few alarms, none in bulk.
    const trending = cleanStream(3000, 6, 10 / 3000);
    expect(flaggedSeqs('forest', trending).length).toBeLessThanOrEqual(6);
    for (const seed of [7, 8])
      expect(flaggedSeqs('forest', cleanStream(3000, seed)).length).toBeLessThanOrEqual(3);
  });

  it('does not flag during warm-up and says it is warming up', () => {
    // Verdicts come one push late (a sample waits for its successor), so the last one comes from flush().
    const d = createStreamDetector({ detector: 'forest', window: W });
    const values = cleanStream(W, 9);
    values[10] = 100;
    const verdicts = [];
    for (const v of values) {
      expect(d.warmingUp).toBe(true);
      verdicts.push(...d.push(v, 0));
    }
    verdicts.push(...d.flush!());
    expect(verdicts.map((s) => s.seq)).toEqual(values.map((_, i) => i));
    expect(verdicts.some((s) => s.outlier)).toBe(false);
  });

  it('catches a spike smaller than an earlier one and a spike within the range of a past excursion', () => {
    // A first spike of +30 and a slow excursion of +15 (a flood) widen the range seen so far; later spikes of
    // +10 inside that range are still transients against the sample-to-sample noise.
    const values = cleanStream(N, 10);
    values[300] = values[300]! + 30;
    for (let i = 500; i < 700; i++) values[i] = values[i]! + 15 * Math.exp(-Math.abs(i - 520) / 40);
    for (const at of [900, 1200]) values[at] = values[at]! + 10;
    values[1300] = values[1300]! - 10;
    const flagged = flaggedSeqs('forest', values);
    expect(flagged).toEqual(expect.arrayContaining([300, 900, 1200, 1300]));
  });

  it('flags a level shift at its first sample even inside the range of a past flood', () => {
    // A flood of +15 widens the range seen so far; a later shift of +4 stays inside it, so only the step (a jump
    // between calm changes, to a level beyond the last days') can tell, and it tells at once.
    for (const seed of [12, 13, 14]) {
      const values = cleanStream(N, seed);
      for (let i = 300; i < 500; i++) values[i] = values[i]! + 15 * Math.exp(-Math.abs(i - 320) / 40);
      for (let i = 1100; i < N; i++) values[i] = values[i]! + 4;
      expect(flaggedSeqs('forest', values)).toContain(1100);
    }
  });

  it('does not flag the step back that ends a drift, nor the routine steps of a square wave', () => {
    // A slow drift of +4 over 300 samples, then the recalibration back: the drift is not this test's concern,
    // but the step back into the level of the last days is a recovery, not news.
    const drifting = cleanStream(N, 15);
    for (let i = 700; i < 1000; i++) drifting[i] = drifting[i]! + (4 * (i - 700)) / 300;
    expect(flaggedSeqs('forest', drifting).filter((s) => s >= 1000 && s <= 1002)).toEqual([]);
    // Two levels, 48 samples each, with noise: after the first periods every step lands on a known level.
    const random = new Random(16);
    const square = Array.from(
      { length: 3000 },
      (_, i) => (Math.floor(i / 48) % 2) * 10 + random.normal(0, 0.2),
    );
    expect(flaggedSeqs('forest', square).filter((s) => s >= 1000)).toEqual([]);
  });

  it('does not take the ordinary peaks of a spiky series for glitches', () => {
    // A peak every 20 samples: the transient rate says peaks are this series' normal behaviour.
    const values = cleanStream(3000, 11).map((v, i) => (i % 20 === 7 ? v + 10 : v));
    expect(flaggedSeqs('forest', values).length).toBeLessThanOrEqual(6);
  });
});
