import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/stats-support.js';
import { InvalidInputError } from '../errors.js';
import { rankData, tieGroupSizes } from './ranks.js';

/** scipy.stats.rankdata(values) (method 'average'), from generate_stats_fixtures.py. */
const fixture = readFixture<{ cases: { values: number[]; ranks: number[] }[] }>('stats-ranks.json');

describe('rankData', () => {
  it.each(fixture.cases.map((c, i) => [i, c] as const))('matches scipy rankdata, case %i', (_, c) => {
    expect(Array.from(rankData(c.values).ranks)).toEqual(c.ranks);
  });

  it('repeats its documented example and reports tie groups in value order', () => {
    const r = rankData([10, 20, 10, 30, 30, 30]);
    expect(Array.from(r.ranks)).toEqual([1.5, 3, 1.5, 5, 5, 5]);
    expect(r.ties).toEqual([
      { value: 10, size: 2 },
      { value: 30, size: 3 },
    ]);
  });

  it('keeps the rank sum n(n+1)/2 and treats -0 and 0 as equal', () => {
    const values = [-0, 0, 3, -2, 3, 1e-300];
    const { ranks, ties } = rankData(values);
    expect(ranks.reduce((a, b) => a + b, 0)).toBe(21);
    expect(ties).toEqual([
      { value: -0, size: 2 },
      { value: 3, size: 2 },
    ]);
  });

  it('rejects empty and non-finite input', () => {
    expect(() => rankData([])).toThrow(InvalidInputError);
    expect(() => rankData([1, Number.NaN])).toThrow(/^values: value at index 1/);
  });
});

describe('tieGroupSizes', () => {
  it('repeats its documented example', () => {
    expect(tieGroupSizes([3, 1, 3, 2, 3, 1])).toEqual([2, 3]);
  });

  it('agrees with rankData on every fixture', () => {
    for (const { values } of fixture.cases) {
      expect(tieGroupSizes(values)).toEqual(rankData(values).ties.map((t) => t.size));
    }
  });

  it('is empty without ties and rejects bad input', () => {
    expect(tieGroupSizes([1, 2, 3])).toEqual([]);
    expect(() => tieGroupSizes([Number.POSITIVE_INFINITY])).toThrow(InvalidInputError);
  });
});
