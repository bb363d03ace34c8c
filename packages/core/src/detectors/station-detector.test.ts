import { describe, expect, it } from 'vitest';
import { type AnomalyKind, cleanStream, streamWith } from '../../test/synthetic-streams.js';
import { runStream } from '../testing/conformance.js';
import { createStreamDetector } from './registry.js';

const W = 64;
const N = 1500;
const AT = 1000;

function flaggedSeqs(detector: string, values: number[], seed = 1): number[] {
  const verdicts = runStream(createStreamDetector({ detector, window: W, seed }), values);
  return verdicts.filter((s) => s.outlier).map((s) => s.seq);
}

describe('default station detector on synthetic streams', () => {
  it.each<[AnomalyKind, number]>([
    ['spike', 0],
    ['level-shift', 3],
    ['stuck', 6],
    ['dropout', 0],
  ])('flags a %s within %i samples of its start', (kind, delay) => {
    for (const seed of [1, 2, 3]) {
      const { values, at } = streamWith(kind, N, AT, seed);
      const flagged = flaggedSeqs('default', values);
      expect(flagged.some((s) => s >= at && s <= at + delay)).toBe(true);
    }
  });

  it('raises one alarm per event, not one per anomalous sample', () => {
    const { values, at } = streamWith('level-shift', N, AT, 4);
    const flagged = flaggedSeqs('default', values);
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
    expect(flaggedSeqs('default', long)).toContain(AT);
  });

  it('does not flood on a steady trend or on clean data', () => {
    // A trend of 10 units (5 daily amplitudes) over the stream: at most a few alarms, none in bulk.
    const trending = cleanStream(3000, 6, 10 / 3000);
    expect(flaggedSeqs('default', trending).length).toBeLessThanOrEqual(6);
    for (const seed of [7, 8])
      expect(flaggedSeqs('default', cleanStream(3000, seed)).length).toBeLessThanOrEqual(3);
  });

  it('does not flag during warm-up and says it is warming up', () => {
    const d = createStreamDetector({ window: W });
    const values = cleanStream(W, 9);
    values[10] = 100;
    for (const v of values) {
      expect(d.warmingUp).toBe(true);
      expect(d.push(v)[0]!.outlier).toBe(false);
    }
  });
});
