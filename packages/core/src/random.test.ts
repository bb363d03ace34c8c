import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import { deriveSeed, hashSeed, keyedFloat, Random } from './random.js';

const draws = (rng: Random, n: number, draw: (r: Random) => number): number[] =>
  Array.from({ length: n }, () => draw(rng));

describe('Random', () => {
  it('repeats its sequence for the same seed and stream, and not for others', () => {
    const a = draws(new Random(42), 50, (r) => r.uint32());
    expect(draws(new Random(42), 50, (r) => r.uint32())).toEqual(a);
    expect(draws(new Random(43), 50, (r) => r.uint32())).not.toEqual(a);
    expect(draws(new Random(42, 1), 50, (r) => r.uint32())).not.toEqual(a);
    // High bits of a 53-bit seed matter too.
    expect(draws(new Random(42 + 2 ** 40), 50, (r) => r.uint32())).not.toEqual(a);
  });

  it('gives unrelated first outputs for neighbouring seeds (no shared leading values)', () => {
    const firsts = new Set(Array.from({ length: 1000 }, (_, seed) => new Random(seed).uint32()));
    expect(firsts.size).toBe(1000);
  });

  it('draws uniform floats in [0, 1): mean 1/2, variance 1/12, every decile about equally often', () => {
    const xs = draws(new Random(7), 100_000, (r) => r.float());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(variance).toBeCloseTo(1 / 12, 3);
    const counts = new Array<number>(10).fill(0);
    for (const x of xs) counts[Math.floor(x * 10)]!++;
    // Chi-square with 9 degrees of freedom; 27.9 is its 0.999 quantile.
    const chi2 = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(27.9);
  });

  it('fills arrays with exactly the floats of successive float() calls', () => {
    const one = new Random(11, 3);
    const bulk = new Random(11, 3);
    for (const size of [1, 7, 64, 0, 300]) {
      const out = new Float64Array(size);
      bulk.floats(out);
      expect(Array.from(out)).toEqual(draws(one, size, (r) => r.float()));
    }
    // Both are at the same point of the stream afterwards.
    expect(bulk.uint32()).toBe(one.uint32());
  });

  it('draws integers in range, every value reachable, none outside', () => {
    const rng = new Random(3);
    const counts = new Map<number, number>();
    for (let i = 0; i < 60_000; i++) {
      const v = rng.intBetween(-2, 3);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
    for (const c of counts.values()) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(draws(rng, 1000, (r) => r.int(1)).every((v) => v === 0)).toBe(true);
  });

  it('draws normal deviates with the requested mean and standard deviation', () => {
    const xs = draws(new Random(11), 100_000, (r) => r.normal(5, 2));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(5, 1);
    expect(sd).toBeCloseTo(2, 1);
    expect(xs.every(Number.isFinite)).toBe(true);
  });

  it.each([
    ['dense', 20],
    ['sparse', 1_000_000],
  ])('samples distinct indices uniformly without replacement (%s)', (_, n) => {
    const rng = new Random(5);
    const k = 5;
    const hits = new Map<number, number>();
    const trials = 20_000;
    let malformed = 0;
    for (let t = 0; t < trials; t++) {
      const s = rng.sample(n, k);
      if (new Set(s).size !== k || s.some((i) => !(i >= 0 && i < n))) malformed++;
      for (const i of s) hits.set(i, (hits.get(i) ?? 0) + 1);
    }
    expect(malformed).toBe(0);
    if (n === 20) {
      // Each index is drawn with probability k / n = 1/4.
      for (let i = 0; i < n; i++) expect(Math.abs(hits.get(i)! / trials - 0.25)).toBeLessThan(0.02);
    } else {
      // Mean drawn index of a uniform draw is (n - 1) / 2.
      const mean = [...hits].reduce((s, [i, c]) => s + i * c, 0) / (trials * k);
      expect(Math.abs(mean / n - 0.5)).toBeLessThan(0.01);
    }
  });

  it('samples a full permutation when k = n, and nothing when k = 0', () => {
    const rng = new Random(1);
    expect([...rng.sample(100, 100)].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(rng.sample(10, 0)).toHaveLength(0);
  });

  it('rejects bad seeds and ranges naming the argument', () => {
    expect(() => new Random(1.5)).toThrow(InvalidInputError);
    expect(() => new Random(Number.NaN)).toThrow(/seed/);
    expect(() => new Random(1).int(0)).toThrow(/^n:/);
    expect(() => new Random(1).intBetween(3, 2)).toThrow(/^max:/);
    expect(() => new Random(1).sample(5, 6)).toThrow(/^k:/);
  });
});

describe('hashSeed and deriveSeed', () => {
  it('hash strings to stable 53-bit seeds that differ between strings', () => {
    const seeds = ['station_1/var_1', 'station_1/var_2', 'station_2/var_1', ''].map((s) => hashSeed(s));
    expect(new Set(seeds).size).toBe(4);
    for (const s of seeds) {
      expect(Number.isSafeInteger(s) && s >= 0).toBe(true);
      expect(() => new Random(s)).not.toThrow();
    }
    expect(hashSeed('station_1/var_1')).toBe(seeds[0]);
  });

  it('derive distinct reproducible seeds per index', () => {
    const derived = Array.from({ length: 100 }, (_, k) => deriveSeed(7, k));
    expect(new Set(derived).size).toBe(100);
    expect(deriveSeed(7, 3)).toBe(derived[3]);
    expect(deriveSeed(8, 3)).not.toBe(derived[3]);
  });
});

describe('keyedFloat', () => {
  it('depends only on its key and counter', () => {
    const a = keyedFloat(7, 3);
    new Random(1).floats(new Float64Array(10));
    expect(keyedFloat(7, 3)).toBe(a);
    expect(keyedFloat(8, 3)).not.toBe(a);
    expect(keyedFloat(7, 4)).not.toBe(a);
  });

  it('is uniform in [0, 1) and unrelated between neighbouring counters and keys', () => {
    const keys = new Random(5);
    const n = 100_000;
    const deciles = new Array<number>(10).fill(0);
    let sum = 0;
    let nextCounter = 0;
    let nextKey = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const key = keys.uint32() | 0;
      // Counters as a tree node's draws use them: small, consecutive, or a child's position (2 node + 1).
      const counter = i % 4096;
      const u = keyedFloat(key, counter);
      outside += +!(u >= 0 && u < 1);
      deciles[Math.floor(u * 10)]!++;
      sum += u;
      nextCounter += (u - 0.5) * (keyedFloat(key, counter + 1) - 0.5);
      nextKey += (u - 0.5) * (keyedFloat(key + 1, counter) - 0.5);
    }
    expect(outside).toBe(0);
    expect(sum / n).toBeCloseTo(0.5, 2);
    for (const count of deciles) expect(Math.abs(count - n / 10)).toBeLessThan(5 * Math.sqrt(n / 10));
    // Correlation 12 E[(u - 1/2)(v - 1/2)]: its standard error here is 1 / sqrt(n) = 0.003.
    expect(Math.abs((12 * nextCounter) / n)).toBeLessThan(0.015);
    expect(Math.abs((12 * nextKey) / n)).toBeLessThan(0.015);
  });
});
