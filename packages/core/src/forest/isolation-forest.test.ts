import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { Random } from '../random.js';
import { rankData } from '../stats/ranks.js';
import { anomalyScore, averagePathLength } from './average-path-length.js';
import { IsolationForest } from './isolation-forest.js';

/** Written by scripts/generate_forest_fixtures.py (scikit-learn 1.2.1); see each file's `call`. */
interface SklearnFixture {
  train: number[] | number[][];
  trainScores: number[];
  queries: number[] | number[][];
  queryScores: number[];
  sklearnSpread: number;
}
const fixture = (name: string): SklearnFixture =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8'));

const SEEDS = [1, 2, 3, 4, 5];

function meanScores(train: SklearnFixture['train'], queries: SklearnFixture['queries']): Float64Array {
  const mean = new Float64Array(queries.length);
  for (const seed of SEEDS) {
    const scores = new IsolationForest({ seed }).fit(train).score(queries);
    for (let i = 0; i < mean.length; i++) mean[i]! += scores[i]! / SEEDS.length;
  }
  return mean;
}

const meanAbsoluteDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Array.from(a, (x, i) => Math.abs(x - b[i]!)).reduce((s, d) => s + d, 0) / a.length;

/** Spearman's rho: Pearson correlation of the average ranks. */
function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const ra = rankData(a).ranks;
  const rb = rankData(b).ranks;
  const mean = (ra.length + 1) / 2;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < ra.length; i++) {
    cov += (ra[i]! - mean) * (rb[i]! - mean);
    va += (ra[i]! - mean) ** 2;
    vb += (rb[i]! - mean) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}

const normalSeries = (n: number, seed: number): number[] => {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => rng.normal(10, 2));
};

describe('IsolationForest against scikit-learn', () => {
  it.each([
    ['forest-univariate.json', 'training points'],
    ['forest-5d.json', 'training rows'],
  ])('%s: scores of the %s and of query points agree with score_samples (negated)', (name) => {
    const f = fixture(name);
    const train = meanScores(f.train, f.train);
    const queries = meanScores(f.train, f.queries);
    // sklearn's own seed-to-seed spread is 0.007-0.009 on these sets; our 5-seed means differ from its
    // 10-seed means by 0.003-0.004 (rho 0.985-0.998). An off-by-one depth or a wrong c(n) shifts scores by >
    // 0.02.
    expect(meanAbsoluteDifference(train, f.trainScores)).toBeLessThan(0.01);
    expect(meanAbsoluteDifference(queries, f.queryScores)).toBeLessThan(0.01);
    expect(spearman(train, f.trainScores)).toBeGreaterThan(0.98);
    expect(spearman(queries, f.queryScores)).toBeGreaterThan(0.98);
  });

  it('ranks the planted outliers of the univariate set on top, as sklearn does', () => {
    const f = fixture('forest-univariate.json');
    const train = f.train as number[];
    const scores = new IsolationForest({ seed: 1 }).fit(train).score(train);
    const planted = train.map((x, i) => [x, i] as const).filter(([x]) => x >= 20 || x <= 0);
    const threshold = [...scores].sort((a, b) => b - a)[planted.length + 5]!;
    for (const [, i] of planted) expect(scores[i]).toBeGreaterThan(threshold);
  });
});

describe('IsolationForest', () => {
  it('runs its doc example', () => {
    const forest = new IsolationForest({ seed: 1 }).fit([1, 2, 3, 2, 1, 2, 3, 2, 50]);
    expect(forest.scoreOne(50)).toBeGreaterThan(forest.scoreOne(2));
  });

  it('scores obvious outliers above inliers, univariate and multivariate', () => {
    const series = normalSeries(500, 1);
    const forest = new IsolationForest({ seed: 7 }).fit(series);
    const [inlier, spike, drop] = forest.score([10, 30, -12]);
    expect(spike).toBeGreaterThan(0.65);
    expect(drop).toBeGreaterThan(0.65);
    expect(inlier).toBeLessThan(0.5);

    const rng = new Random(2);
    const rows = Array.from({ length: 300 }, () => [rng.normal(), rng.normal(), rng.normal()]);
    const multi = new IsolationForest({ seed: 7 }).fit(rows);
    expect(multi.scoreOne([6, -6, 6])).toBeGreaterThan(0.65);
    expect(multi.scoreOne([0, 0, 0])).toBeLessThan(0.5);
  });

  it('returns scores in (0, 1] and uses psi = min(sampleSize, n) with height limit ceil(log2 psi)', () => {
    const small = new IsolationForest({ seed: 1 }).fit(normalSeries(40, 3));
    expect(small.subsampleSize).toBe(40);
    const big = new IsolationForest({ seed: 1, sampleSize: 64 }).fit(normalSeries(500, 3));
    expect(big.subsampleSize).toBe(64);
    // The deepest leaf without c(size) is at most ceil(log2 64) = 6, plus c(size) <= c(64).
    const scores = big.score(normalSeries(1000, 4));
    for (const s of scores) expect(s > 0 && s <= 1).toBe(true);
    expect(big.expectedPathLength(10)).toBeLessThanOrEqual(6 + averagePathLength(64));
  });

  it('is deterministic per seed and differs between seeds', () => {
    const series = normalSeries(300, 5);
    const probe = normalSeries(100, 6);
    const a = new IsolationForest({ seed: 11 }).fit(series).score(probe);
    expect(new IsolationForest({ seed: 11 }).fit(series).score(probe)).toEqual(a);
    expect(new IsolationForest({ seed: 12 }).fit(series).score(probe)).not.toEqual(a);
  });

  it('univariate step function equals the tree walk exactly (property over seeds, sizes and points)', () => {
    for (const [seed, n, sampleSize] of [
      [1, 30, 256],
      [2, 300, 256],
      [3, 2000, 128],
      [4, 500, 16],
    ] as const) {
      const series = normalSeries(n, seed);
      const forest = new IsolationForest({ seed, sampleSize, trees: 50 }).fit(series);
      const probes = [...series, ...normalSeries(300, seed + 100).map((x) => 2 * x - 10), -1e300, 1e300];
      const scores = forest.score(probes);
      const mismatches = probes.filter(
        (x, i) =>
          scores[i] !== anomalyScore(forest.expectedPathLength(x), forest.subsampleSize) ||
          forest.scoreOne(x) !== scores[i],
      );
      expect(mismatches).toEqual([]);
    }
  });

  it('scores multivariate rows in bulk exactly as one by one (across row blocks)', () => {
    const rng = new Random(15);
    const rows = Array.from({ length: 700 }, () => [rng.normal(), rng.normal(), rng.normal(), rng.normal()]);
    const forest = new IsolationForest({ seed: 5 }).fit(rows.slice(0, 300));
    const bulk = forest.score(rows);
    expect(rows.filter((row, i) => forest.scoreOne(row) !== bulk[i])).toEqual([]);
    // Bulk and single scores against E[h] from walking every tree, for the default and a deep height limit.
    const mismatch = (f: IsolationForest) =>
      rows.filter((row) => f.scoreOne(row) !== anomalyScore(f.expectedPathLength(row), f.subsampleSize));
    expect(mismatch(forest)).toEqual([]);
    const deep = new IsolationForest({ seed: 5, maxDepth: 12, trees: 20 }).fit(rows);
    expect(mismatch(deep)).toEqual([]);
    expect(deep.score(rows)).toEqual(Float64Array.from(rows, (row) => deep.scoreOne(row)));
  });

  it('keeps a fitted univariate forest small: step function and training rows only', () => {
    const forest = new IsolationForest({ seed: 1 }).fit(normalSeries(256, 16));
    // 16 bytes per breakpoint plus 8 per training value; the trees themselves would take about 220 KiB.
    expect(forest.byteLength).toBe(16 * forest.breakpointCount + 8 + 8 * 256);
    expect(forest.byteLength).toBeLessThan(128 * 1024);
  });

  it('scores single-value rows like plain numbers', () => {
    const series = normalSeries(200, 9);
    const plain = new IsolationForest({ seed: 3 }).fit(series);
    const rows = new IsolationForest({ seed: 3 }).fit(series.map((x) => [x]));
    expect(rows.score(series.map((x) => [x]))).toEqual(plain.score(series));
    expect(plain.score(Float64Array.from(series))).toEqual(plain.score(series));
    expect(rows.scoreOne([12])).toBe(plain.scoreOne(12));
  });

  it('round-trips through JSON: identical scores from a few kilobytes', () => {
    const series = normalSeries(256, 10);
    const forest = new IsolationForest({ seed: 21 }).fit(series);
    const json = JSON.stringify(forest);
    expect(json.length).toBeLessThan(8 * 1024);
    const restored = IsolationForest.fromJSON(JSON.parse(json));
    const probe = normalSeries(500, 11);
    expect(restored.score(probe)).toEqual(forest.score(probe));

    const rng = new Random(3);
    const rows = Array.from({ length: 100 }, () => [rng.normal(), rng.normal()]);
    const multi = new IsolationForest({ seed: 2, trees: 20, maxDepth: 4 }).fit(rows);
    const back = IsolationForest.fromJSON(JSON.parse(JSON.stringify(multi)));
    expect(back.maxDepth).toBe(4);
    expect(back.score(rows)).toEqual(multi.score(rows));
  });

  it('keeps at most maxTrainingRows rows (drawn by the seed) and restores from them identically', () => {
    const series = normalSeries(5000, 12);
    const forest = new IsolationForest({ seed: 4, sampleSize: 64, maxTrainingRows: 300 }).fit(series);
    const saved = forest.toJSON();
    expect(saved.rows).toHaveLength(300);
    // The kept rows are training rows in their original order.
    const positions = saved.rows.map((x) => series.indexOf(x));
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!))).toBe(true);
    const probe = normalSeries(200, 13);
    expect(IsolationForest.fromJSON(saved).score(probe)).toEqual(forest.score(probe));
    // Still a sensible detector: far points score higher than the centre.
    expect(forest.scoreOne(25)).toBeGreaterThan(forest.scoreOne(10));
  });

  it('does not mutate its input', () => {
    const series = normalSeries(100, 14);
    const copy = [...series];
    const rows = series.map((x) => [x, -x]);
    const rowsCopy = rows.map((r) => [...r]);
    new IsolationForest({ seed: 1, sampleSize: 32 }).fit(series).score(series);
    new IsolationForest({ seed: 1, sampleSize: 32 }).fit(rows).score(rows);
    expect(series).toEqual(copy);
    expect(rows).toEqual(rowsCopy);
  });

  it('scores 0.5 everywhere when nothing can be told apart (one sample, or all equal)', () => {
    expect(new IsolationForest({ seed: 1 }).fit([3]).score([3, 100])).toEqual(Float64Array.from([0.5, 0.5]));
    const constant = new IsolationForest({ seed: 1 }).fit(new Array(50).fill(7));
    expect(constant.scoreOne(7)).toBeCloseTo(0.5, 7);
    expect(constant.scoreOne(-1e9)).toBeCloseTo(0.5, 7);
  });

  it('rejects bad input with InvalidInputError naming the argument', () => {
    const forest = new IsolationForest({ seed: 1 });
    const error = (fn: () => unknown): InvalidInputError => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidInputError);
        return e as InvalidInputError;
      }
      throw new Error('expected a throw');
    };
    expect(error(() => forest.score([1])).argument).toBe('forest');
    expect(error(() => forest.fit([])).argument).toBe('rows');
    expect(error(() => forest.fit([1, Number.NaN])).message).toMatch(/\[1\]/);
    expect(error(() => forest.fit([[1, 2], [3]])).message).toMatch(/row 1/);
    expect(error(() => forest.fit([[1, Infinity]])).message).toMatch(/\[0\]\[1\]/);
    expect(error(() => forest.fit([1, '2' as unknown as number])).argument).toBe('rows');

    forest.fit([
      [1, 2],
      [3, 4],
      [5, 7],
    ]);
    expect(error(() => forest.score([[1, 2, 3]])).message).toMatch(/expected 2/);
    expect(error(() => forest.score([1, 2])).argument).toBe('rows');
    expect(error(() => forest.scoreOne(1)).argument).toBe('x');
    expect(error(() => forest.scoreOne([1, Number.NaN])).argument).toBe('x');

    const univariate = new IsolationForest({ seed: 1 }).fit([1, 2, 3]);
    expect(error(() => univariate.score([1, Number.NaN])).message).toMatch(/\[1\]/);
    expect(error(() => univariate.scoreOne(Infinity)).argument).toBe('x');

    expect(error(() => new IsolationForest({ seed: 1.5 })).argument).toBe('seed');
    expect(error(() => new IsolationForest({ seed: 1, trees: 0 })).argument).toBe('trees');
    expect(error(() => new IsolationForest({ seed: 1, sampleSize: 2.5 })).argument).toBe('sampleSize');
    expect(error(() => new IsolationForest({ seed: 1, maxDepth: 0 })).argument).toBe('maxDepth');
    expect(error(() => IsolationForest.fromJSON({ kind: 'other' })).argument).toBe('json.kind');
    const saved = univariate.toJSON();
    expect(error(() => IsolationForest.fromJSON({ ...saved, rows: [1, null] })).argument).toBe('json.rows');
    expect(error(() => IsolationForest.fromJSON({ ...saved, formatVersion: 2 })).argument).toBe(
      'json.formatVersion',
    );
  });
});
