import { describe, expect, it } from 'vitest';
import { expectClose, readFixture } from '../../test/stats-support.js';
import { InvalidInputError } from '../errors.js';
import { kSigma } from './k-sigma.js';

/** numpy: mean, np.std (ddof=0), mean + k*std (generate_stats_fixtures.py). */
const fixture = readFixture<{
  cases: { name: string; errors: number[]; k: number; mean: number; std: number; threshold: number }[];
}>('stats-k-sigma.json');

describe('kSigma', () => {
  it.each(fixture.cases.map((c) => [`${c.name} k=${c.k}`, c] as const))('matches numpy: %s', (_, c) => {
    const r = kSigma(c.errors, c.k);
    expectClose(r.mean, c.mean, 1e-14, 0, 'mean');
    expectClose(r.std, c.std, 1e-9, 1e-18, 'std');
    expectClose(r.threshold, c.threshold, 1e-14, 0, 'threshold');
  });

  it('repeats its documented example', () => {
    expect(kSigma([1, 2, 3, 4], 2)).toEqual({
      mean: 2.5,
      std: 1.118033988749895,
      threshold: 4.73606797749979,
    });
  });

  it('gives std 0 and threshold = mean for a constant sample', () => {
    expect(kSigma(new Float64Array([7, 7, 7]), 5)).toEqual({ mean: 7, std: 0, threshold: 7 });
  });

  it('rejects bad input naming the argument', () => {
    expect(() => kSigma([], 5)).toThrow(/^errors:/);
    expect(() => kSigma([1, Number.NaN], 5)).toThrow(InvalidInputError);
    expect(() => kSigma([1, 2], -1)).toThrow(/^k:/);
    expect(() => kSigma([1, 2], Number.NaN)).toThrow(/^k:/);
  });
});
