import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { streamDetectorChecks } from '../testing/conformance.js';
import { createStreamDetector, normalizeDetectorOptions, restoreStreamDetector } from './registry.js';

// The reference's tumbling forest cannot rank a value beyond its training range above the range's edge (its
// documented blind spot), so its planted outlier goes in the first window, which the forest is fitted on.
const kinds = [
  { detector: 'default', mode: 'sliding', checks: {} },
  { detector: 'forest', mode: 'sliding', checks: {} },
  { detector: 'reference', mode: 'tumbling', checks: { outlierAt: 40 } },
  { detector: 'reference', mode: 'kalman', checks: { outlierAt: 40 } },
  { detector: 'reference', mode: 'sliding', checks: {} },
];

for (const { detector, mode, checks } of kinds) {
  describe(`conformance: ${detector}/${mode}`, () => {
    const factory = (seed: number) => createStreamDetector({ detector, mode, window: 64, seed });
    for (const check of streamDetectorChecks) it(check.name, () => check.run(factory, checks));
  });
}

describe('normalizeDetectorOptions', () => {
  it('reads a bare number as the window and fills defaults per kind', () => {
    expect(normalizeDetectorOptions(32)).toEqual({
      detector: 'default',
      window: 32,
      threshold: 0.5,
      mode: 'sliding',
      seed: 0,
    });
    expect(normalizeDetectorOptions({ detector: 'reference', window: 16, sensitivity: 0.25 })).toMatchObject({
      threshold: 0.75,
      mode: 'tumbling',
    });
  });

  it.each([
    [7, 'window'],
    [100_001, 'window'],
    [12.5, 'window'],
    ['32', 'window'],
    [{ window: 32, detector: 'magic' }, 'detector'],
    [{ window: 32, detector: 'reference', mode: 'hopping' }, 'mode'],
    [{ window: 32, threshold: 1.5 }, 'threshold'],
    [{ window: 32, sensitivity: 0 }, 'sensitivity'],
    [{ window: 32, threshold: 0.5, sensitivity: 0.5 }, 'sensitivity'],
    [{ window: 32, seed: -1 }, 'seed'],
    [{ window: 32, colour: 'red' }, 'colour'],
  ])('rejects %j naming %s', (input, argument) => {
    const attempt = () => normalizeDetectorOptions(input);
    expect(attempt).toThrow(InvalidInputError);
    expect(attempt).toThrow(expect.objectContaining({ argument }));
  });

  it('refuses states it did not write', () => {
    expect(() => restoreStreamDetector({ kind: 'nope', formatVersion: 1, options: { window: 8 } })).toThrow(
      InvalidInputError,
    );
    for (const detector of ['default', 'forest', 'reference']) {
      const state = createStreamDetector({ detector, window: 8 }).toJSON();
      expect(() => restoreStreamDetector({ ...state, formatVersion: 99 })).toThrow(/format version/);
      expect(() => restoreStreamDetector({ ...state, seen: -1 })).toThrow(InvalidInputError);
    }
  });

  it.each([
    ['default', 24_000],
    ['forest', 16_000],
  ])('keeps %s state compact: kilobytes, not trees or histories', (detector, bytes) => {
    const d = createStreamDetector({ detector, window: 128, seed: 1 });
    // Five-minute samples for 35 days: a full daily profile and likelihood history.
    for (let i = 0; i < 10_000; i++) d.push(Math.sin(i / 5) + (i % 7) / 10, i * 300_000);
    expect(JSON.stringify(d.toJSON()).length).toBeLessThan(bytes);
  });
});
