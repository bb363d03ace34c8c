import { describe, expect, it } from 'vitest';
import { expectClose, readFixture } from '../../test/stats-support.js';
import { InvalidInputError } from '../errors.js';
import { erfc, normalCdf, normalPdf, normalQuantile, normalSf } from './normal.js';

/** mpmath at 40 digits: erfc, ncdf, and sqrt(2)*erfinv(2p-1) (generate_stats_fixtures.py). */
const fixture = readFixture<{
  erfc: { x: number; value: number }[];
  cdf: { z: number; value: number }[];
  sf: { z: number; value: number }[];
  quantile: { p: number; value: number }[];
}>('stats-normal.json');

/** A few ulps, as the module promises; the smallest subnormal covers the underflow region. */
const REL = 1e-15;
const SUBNORMAL = 5e-324;

describe('normal distribution against mpmath', () => {
  it.each(fixture.erfc.map((c) => [c.x, c.value]))('erfc(%d)', (x, value) => {
    expectClose(erfc(x), value, REL, SUBNORMAL);
  });
  it.each(fixture.cdf.map((c) => [c.z, c.value]))('normalCdf(%d)', (z, value) => {
    expectClose(normalCdf(z), value, REL, SUBNORMAL);
  });
  it.each(fixture.sf.map((c) => [c.z, c.value]))('normalSf(%d)', (z, value) => {
    expectClose(normalSf(z), value, REL, SUBNORMAL);
  });
  it.each(fixture.quantile.map((c) => [c.p, c.value]))('normalQuantile(%d)', (p, value) => {
    expectClose(normalQuantile(p), value, 1e-15, 0);
  });
});

describe('normal distribution identities', () => {
  it('repeats the documented examples', () => {
    expectClose(erfc(1), 0.15729920705028513, REL);
    expectClose(normalCdf(-1.959963984540054), 0.025, REL);
    expectClose(normalSf(10), 7.619853024160525e-24, REL);
    // Correctly rounded for the double 0.975 (mpmath); scipy.stats.norm.ppf(0.975) is one ulp above.
    expect(normalQuantile(0.975)).toBe(1.9599639845400538);
  });

  it('has cdf + sf = 1, symmetric tails, and inverts the cdf', () => {
    for (let z = -8; z <= 8; z += 0.37) {
      expectClose(normalCdf(z) + normalSf(z), 1, 4e-16);
      expectClose(normalSf(z), normalCdf(-z), REL);
    }
    // The quantile is well conditioned where p carries all its digits: the lower tail.
    for (let z = -37; z <= 0; z += 0.73) expectClose(normalQuantile(normalCdf(z)), z, 1e-14, 1e-15);
    expect(normalQuantile(0.5)).toBe(0);
    expectClose(normalPdf(0), 1 / Math.sqrt(2 * Math.PI), 1e-16);
  });

  it('is monotone across the erfc method boundary', () => {
    const boundary = 1.25;
    let previous = erfc(boundary - 1e-6);
    for (let x = boundary - 1e-6; x < boundary + 1e-6; x += 1e-8) {
      const value = erfc(x);
      expect(value).toBeLessThanOrEqual(previous + 1e-16);
      previous = value;
    }
  });

  it('rejects probabilities outside (0, 1)', () => {
    for (const p of [0, 1, -0.1, 1.5, Number.NaN]) expect(() => normalQuantile(p)).toThrow(InvalidInputError);
    expect(() => normalQuantile(2)).toThrow(/^p:/);
  });
});
