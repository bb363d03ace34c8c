import { describe, expect, it } from 'vitest';
import { expectClose, readFixture } from '../../test/stats-support.js';
import { InvalidInputError } from '../errors.js';
import { type Alternative, type WilcoxonZeroMethod, wilcoxon } from './wilcoxon.js';

type ScipyResult = { statistic: number; p: number };

interface ReferenceCase {
  n: number;
  kind: string;
  x: number[];
  y?: number[];
  wilcoxon?: Record<WilcoxonZeroMethod, ScipyResult>;
}

/** scipy.stats.wilcoxon(x, y, zero_method, correction, alternative), scipy 1.10.1 (generate_stats_fixtures.py). */
interface GeneratedCase {
  name: string;
  x: number[];
  y: number[] | null;
  results: {
    zeroMethod: WilcoxonZeroMethod;
    alternative: Alternative;
    correction: boolean;
    statistic?: number;
    p?: number;
    error?: string;
  }[];
}

const reference = readFixture<{ cases: ReferenceCase[] }>('pymannkendall-scipy-reference.json');
const generated = readFixture<{ cases: GeneratedCase[] }>('stats-wilcoxon.json');

describe('wilcoxon against scipy 1.10.1 (shared reference)', () => {
  const cases = reference.cases.filter((c) => c.wilcoxon && c.y);
  it('has the 42 paired cases', () => expect(cases.length).toBe(42));
  it.each(cases.map((c) => [`${c.kind} n=${c.n}`, c] as const))('%s', (label, c) => {
    for (const [zeroMethod, expected] of Object.entries(c.wilcoxon!)) {
      const r = wilcoxon(c.x, c.y, { zeroMethod: zeroMethod as WilcoxonZeroMethod });
      expect(r.statistic, `${label} ${zeroMethod}`).toBe(expected.statistic);
      expectClose(r.p, expected.p, 1e-9, 0, `${label} ${zeroMethod} p`);
    }
  });
});

describe('wilcoxon against scipy 1.10.1 (every zero method, alternative and correction)', () => {
  it.each(generated.cases.map((c) => [c.name, c] as const))('%s', (label, c) => {
    for (const { zeroMethod, alternative, correction, statistic, p, error } of c.results) {
      const run = () => wilcoxon(c.x, c.y ?? undefined, { zeroMethod, alternative, correction });
      const tag = `${label} ${zeroMethod} ${alternative} correction=${correction}`;
      if (error) {
        expect(run, tag).toThrow(InvalidInputError);
        continue;
      }
      const r = run();
      expectClose(r.statistic, statistic!, 1e-12, 0, `${tag} statistic`);
      expectClose(r.p, p!, 1e-9, 0, `${tag} p`);
    }
  });
});

describe('wilcoxon behaviour', () => {
  it('gives p = 1 for all-zero differences under zsplit and throws under wilcox and pratt', () => {
    const x = [1, 2, 3, 4, 5, 6];
    expect(wilcoxon(x, x, { zeroMethod: 'zsplit' })).toEqual({ statistic: 10.5, p: 1 });
    expect(() => wilcoxon(x, x)).toThrow(/^x: every difference is zero/);
    expect(() => wilcoxon(x, x, { zeroMethod: 'pratt' })).toThrow(InvalidInputError);
  });

  it('is symmetric: swapping x and y keeps the two-sided result and mirrors one-sided ones', () => {
    const x = [0.31, 1.93, -0.44, 2.25, 1.17, 0.86, 3.02, -0.15, 1.49, 0.98, 2.61, 0.27];
    const y = [0.1, 0.4, 0.2, 0.7, 0.5, 1.2, 0.3, 0.6, 0.2, 1.5, 0.1, 0.9];
    expect(wilcoxon(y, x)).toEqual(wilcoxon(x, y));
    expect(wilcoxon(x, y, { alternative: 'greater' }).p).toBe(wilcoxon(y, x, { alternative: 'less' }).p);
  });

  it("keeps scipy 1.10's truncation of a half-integer R+ in the exact test, which breaks that symmetry", () => {
    // Differences with tied |d| (0.6, 0.7, 1.5 twice): R+ = 55.5 is truncated to 55, R− = 22.5 to 22.
    // scipy.stats.wilcoxon(x, y) -> (22.5, 0.2333984375); wilcoxon(y, x) -> (22.5, 0.20361328125)
    const x = [0.3, 1.9, -0.4, 2.2, 1.1, 0.8, 3.0, -0.1, 1.4, 0.9, 2.6, 0.2];
    const y = [0.1, 0.4, 0.2, 0.7, 0.5, 1.2, 0.3, 0.6, 0.2, 1.5, 0.1, 0.9];
    expect(wilcoxon(x, y)).toEqual({ statistic: 22.5, p: 0.2333984375 });
    expect(wilcoxon(y, x)).toEqual({ statistic: 22.5, p: 0.20361328125 });
  });

  it('uses the exact distribution up to n = 50 and the normal approximation beyond', () => {
    const positive = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    // Exact: all 50 differences positive has probability 2^-50 per tail.
    expect(wilcoxon(positive(50)).p).toBe(2 * 2 ** -50);
    const approx = wilcoxon(positive(51)).p;
    expect(approx).toBeGreaterThan(0);
    expect(approx).not.toBe(2 * 2 ** -51);
  });

  it('does not mutate its inputs', () => {
    const x = [3, -1, 0, 2, -5];
    const y = [1, 1, 0, 1, 1];
    wilcoxon(x, y, { zeroMethod: 'zsplit' });
    expect(x).toEqual([3, -1, 0, 2, -5]);
    expect(y).toEqual([1, 1, 0, 1, 1]);
  });

  it('rejects bad input naming the argument', () => {
    expect(() => wilcoxon([])).toThrow(/^x: needs at least 1/);
    expect(() => wilcoxon([1, 2], [1])).toThrow(/^y: must have the length of x/);
    expect(() => wilcoxon([1, Number.NaN])).toThrow(/^x: value at index 1/);
    expect(() => wilcoxon([1, 2], [1, Number.POSITIVE_INFINITY])).toThrow(/^y:/);
    expect(() => wilcoxon([1.7e308], [-1.7e308])).toThrow(/^y: x\[0\] − y\[0\] overflows/);
    expect(() => wilcoxon([1, 2], undefined, { zeroMethod: 'none' as never })).toThrow(/^zeroMethod:/);
    expect(() => wilcoxon([1, 2], undefined, { alternative: 'up' as never })).toThrow(/^alternative:/);
    expect(() => wilcoxon([1, 2], undefined, { correction: 1 as never })).toThrow(/^correction:/);
  });
});
