import { describe, expect, it } from 'vitest';
import { expectClose, readFixture } from '../../test/stats-support.js';
import { InvalidInputError } from '../errors.js';
import { type MannKendallResult, mannKendall } from './mann-kendall.js';

interface ReferenceCase {
  n: number;
  kind: string;
  x: number[];
  original: MannKendallResult;
  yueWang: MannKendallResult;
}

/** Cases written by packages/core/scripts/generate_stats_fixtures.py (numpy transcription of pymannkendall). */
interface GeneratedCase {
  name: string;
  x: number[];
  original: MannKendallResult;
  yueWang: MannKendallResult;
}

const reference = readFixture<{ cases: ReferenceCase[] }>('pymannkendall-scipy-reference.json');
const generated = readFixture<{ cases: GeneratedCase[] }>('stats-mann-kendall.json');

/**
 * pymannkendall computes p = 2(1 − Φ(|z|)), which cancels to ~1e-16 absolute; we compute 2Φc(|z|). Where the
 * math is the same (p well above 1e-7) the 1e-9 relative bound is what binds.
 */
const P_ABSOLUTE = 5e-16;

function expectMatches(actual: MannKendallResult, expected: MannKendallResult, label: string): void {
  expect(actual.trend, label).toBe(expected.trend);
  expect(actual.h, label).toBe(expected.h);
  expect(actual.s, label).toBe(expected.s);
  expectClose(actual.tau, expected.tau, 1e-12, 0, `${label} tau`);
  expectClose(actual.varS, expected.varS, 1e-9, 0, `${label} varS`);
  expectClose(actual.z, expected.z, 1e-9, 1e-12, `${label} z`);
  expectClose(actual.p, expected.p, 1e-9, P_ABSOLUTE, `${label} p`);
  expectClose(actual.slope, expected.slope, 1e-12, 1e-15, `${label} slope`);
  expectClose(actual.intercept, expected.intercept, 1e-12, 1e-12, `${label} intercept`);
}

describe('mannKendall against pymannkendall 1.4.3 (shared reference, 49 cases)', () => {
  it.each(reference.cases.map((c) => [`${c.kind} n=${c.n}`, c] as const))('%s', (label, c) => {
    expectMatches(mannKendall(c.x), c.original, `${label} original`);
    expectMatches(mannKendall(c.x, { method: 'yue-wang' }), c.yueWang, `${label} yue-wang`);
  });
});

describe('mannKendall against the numpy transcription (long and adversarial series)', () => {
  it.each(generated.cases.map((c) => [c.name, c] as const))('%s', (label, c) => {
    expectMatches(mannKendall(c.x), c.original, `${label} original`);
    expectMatches(mannKendall(c.x, { method: 'yue-wang' }), c.yueWang, `${label} yue-wang`);
  });
});

describe('mannKendall behaviour', () => {
  it('reports a constant series as no trend with p = 1', () => {
    for (const method of ['original', 'yue-wang'] as const) {
      const r = mannKendall([4, 4, 4, 4, 4, 4], { method });
      expect(r).toMatchObject({ trend: 'no trend', h: false, p: 1, z: 0, s: 0, slope: 0, intercept: 4 });
    }
  });

  it('is antisymmetric under negation and invariant under increasing transforms', () => {
    const x = [3.1, 2.7, 5.2, 4.4, 6.9, 6.1, 8.3, 7.7, 9.9, 9.2, 12.5, 11.1];
    const up = mannKendall(x, { method: 'yue-wang' });
    const down = mannKendall(
      x.map((v) => -v),
      { method: 'yue-wang' },
    );
    expect(up.trend).toBe('increasing');
    expect(down.trend).toBe('decreasing');
    expect(down.s).toBe(-up.s);
    expectClose(down.z, -up.z, 1e-12);
    const exp = mannKendall(x.map(Math.exp));
    expect(exp.s).toBe(up.s);
    expect(exp.p).toBe(mannKendall(x).p);
  });

  it('lets alpha decide h on the same statistic', () => {
    const x = [1, 3, 2, 4, 3, 5, 6, 5, 7, 6];
    const r = mannKendall(x);
    expect(mannKendall(x, { alpha: Math.min(0.999, r.p * 1.01) }).h).toBe(true);
    expect(mannKendall(x, { alpha: r.p * 0.99 }).h).toBe(false);
  });

  it('reports tiny p-values without cancellation to zero', () => {
    const x = Array.from({ length: 400 }, (_, i) => i);
    const r = mannKendall(x);
    expect(r.p).toBeGreaterThan(0);
    expect(r.p).toBeLessThan(1e-100);
  });

  it('does not mutate its input', () => {
    const x = [5, 1, 4, 2, 3, 9, 0];
    const copy = [...x];
    mannKendall(x, { method: 'yue-wang' });
    expect(x).toEqual(copy);
  });

  it('rejects bad input naming the argument', () => {
    expect(() => mannKendall([])).toThrow(InvalidInputError);
    expect(() => mannKendall([1, 2])).toThrow(/^x: needs at least 3/);
    expect(() => mannKendall([1, Number.NaN, 3])).toThrow(/^x: value at index 1/);
    expect(() => mannKendall([1, 2, Number.POSITIVE_INFINITY])).toThrow(InvalidInputError);
    expect(() => mannKendall([1, 2, 3], { alpha: 0 })).toThrow(/^alpha:/);
    expect(() => mannKendall([1, 2, 3], { alpha: 1 })).toThrow(/^alpha:/);
    expect(() => mannKendall([1, 2, 3], { method: 'hamed-rao' as never })).toThrow(/^method:/);
  });
});
