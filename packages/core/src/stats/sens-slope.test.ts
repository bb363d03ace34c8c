import { describe, expect, it } from 'vitest';
import { expectClose, readFixture } from '../../test/stats-support.js';
import { InvalidInputError } from '../errors.js';
import { median, medianInPlace, sensSlope } from './sens-slope.js';

interface Case {
  x: number[];
  original: { slope: number; intercept: number };
}
/** pymannkendall 1.4.3 sens_slope outputs (shared reference) and its numpy transcription (our fixture). */
const cases = [
  ...readFixture<{ cases: Case[] }>('pymannkendall-scipy-reference.json').cases,
  ...readFixture<{ cases: Case[] }>('stats-mann-kendall.json').cases,
];

function sortedMedian(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

describe('sensSlope', () => {
  it('matches pymannkendall on every reference series', () => {
    for (const { x, original } of cases) {
      const r = sensSlope(x);
      expectClose(r.slope, original.slope, 1e-12, 1e-15, `n=${x.length} slope`);
      expectClose(r.intercept, original.intercept, 1e-12, 1e-12, `n=${x.length} intercept`);
    }
  });

  it('repeats its documented example', () => {
    // slopes 2, 0.5, 4/3, −1, 1, 3: median (1 + 4/3)/2; intercept median(x) − 1.5·slope
    expect(sensSlope([1, 3, 2, 5])).toEqual({ slope: 1.1666666666666665, intercept: 0.7500000000000002 });
  });

  it('recovers an exact line and is equivariant under affine maps of x', () => {
    const line = Array.from({ length: 37 }, (_, i) => 2.5 - 0.75 * i);
    expect(sensSlope(line)).toEqual({ slope: -0.75, intercept: 2.5 });
    const x = cases[10]!.x;
    const base = sensSlope(x);
    const scaled = sensSlope(x.map((v) => 3 * v + 7));
    expectClose(scaled.slope, 3 * base.slope, 1e-12, 1e-15);
    expectClose(scaled.intercept, 3 * base.intercept + 7, 1e-12, 1e-12);
  });

  it('equals the median of all sorted slopes on long series, where the median is bracketed by sampling', () => {
    const long: number[][] = [
      Array.from({ length: 400 }, (_, i) => Math.sin(i / 7) + 0.001 * i), // smooth and periodic
      Array.from({ length: 300 }, (_, i) => (i * 7919) % 5), // five levels: masses of tied slopes
      Array.from({ length: 250 }, (_, i) => (i < 125 ? 0 : 1)), // one step: most slopes exactly 0
      new Array(200).fill(3), // constant: every slope is 0
      Array.from({ length: 183 }, (_, i) => i * i), // convex: just above the bracketing threshold
    ];
    for (const x of long) {
      const slopes: number[] = [];
      for (let i = 0; i < x.length; i++)
        for (let j = i + 1; j < x.length; j++) slopes.push((x[j]! - x[i]!) / (j - i));
      expect(sensSlope(x).slope === sortedMedian(slopes)).toBe(true);
    }
  });

  it('handles n = 2 and constant series', () => {
    expect(sensSlope([1, 4])).toEqual({ slope: 3, intercept: 1 });
    expect(sensSlope(new Float64Array(100).fill(-2))).toEqual({ slope: 0, intercept: -2 });
  });

  it('rejects bad input naming x', () => {
    expect(() => sensSlope([1])).toThrow(/^x: needs at least 2/);
    expect(() => sensSlope([1, Number.NaN])).toThrow(InvalidInputError);
  });
});

describe('medianInPlace', () => {
  it('agrees with a full sort on odd and even lengths, ties and sorted input', () => {
    const inputs: number[][] = [
      ...cases.map((c) => c.x),
      ...cases.map((c) => c.x.slice(1)),
      Array.from({ length: 1000 }, (_, i) => i % 3),
      Array.from({ length: 999 }, (_, i) => i),
      Array.from({ length: 1000 }, (_, i) => 1000 - i),
      [5],
      [2, 1],
    ];
    for (const values of inputs) {
      const copy = Float64Array.from(values);
      // Compared with === so that −0 and +0 (equal medians of a zero pair) match.
      expect(medianInPlace(copy, copy.length) === sortedMedian(values)).toBe(true);
      expect(median(values) === sortedMedian(values)).toBe(true);
    }
  });
});
