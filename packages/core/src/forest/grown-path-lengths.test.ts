import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { invalidArgumentOf } from '../../test/errors-support.js';
import { Random } from '../random.js';
import { anomalyScorer, averagePathLength } from './average-path-length.js';
import { addGrownPathLengths } from './grown-path-lengths.js';
import { IsolationForest } from './isolation-forest.js';
import { RowMatrix } from './rows.js';

/** Written by scripts/generate_forest_fixtures.py (scikit-learn 1.2.1, 100 trees, max_samples 256). */
const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/forest-5d.json', import.meta.url), 'utf8'),
) as { train: number[][]; trainScores: number[] };

function normalRows(count: number, dims: number, seed: number): RowMatrix {
  const rng = new Random(seed);
  return RowMatrix.from(
    'rows',
    Array.from({ length: count }, () => Array.from({ length: dims }, () => rng.normal())),
  );
}

const everyRow = (rows: RowMatrix) => Int32Array.from({ length: rows.count }, (_, i) => i);

function pathLengthSums(rows: RowMatrix, queries: ArrayLike<number>, trees: number, seed: number) {
  const sums = new Float64Array(rows.count);
  addGrownPathLengths(rows, queries, sums, { trees, seed });
  return sums;
}

describe('addGrownPathLengths', () => {
  it('gives a queried row the same path lengths whichever other rows are queried', () => {
    const rows = normalRows(1000, 4, 1);
    const all = pathLengthSums(rows, everyRow(rows), 8, 3);
    const few = [999, 3, 500, 4, 250];
    const some = pathLengthSums(rows, few, 8, 3);
    for (const r of few) expect(some[r]).toBe(all[r]);
    expect(pathLengthSums(rows, [500], 8, 3)[500]).toBe(all[500]);
    // Rows not queried are left as they were.
    expect(some.filter((_, r) => !few.includes(r)).every((s) => s === 0)).toBe(true);
  });

  it("scores the rows as scikit-learn's IsolationForest does (5-D fixture, score_samples negated)", () => {
    const rows = RowMatrix.from('rows', fixture.train);
    const mean = new Float64Array(rows.count);
    const seeds = [1, 2, 3, 4, 5];
    for (const seed of seeds) {
      const sums = pathLengthSums(rows, everyRow(rows), 100, seed);
      const score = anomalyScorer(Math.min(256, rows.count));
      for (let r = 0; r < rows.count; r++) mean[r]! += score(sums[r]! / 100) / seeds.length;
    }
    // As IsolationForest's own test: sklearn's seed-to-seed spread is 0.007-0.009 on this set.
    const difference = mean.reduce((s, m, r) => s + Math.abs(m - fixture.trainScores[r]!), 0) / rows.count;
    expect(difference).toBeLessThan(0.01);
  });

  it('draws the same distribution of path lengths as IsolationForest', () => {
    // Mean path length of an outlier and of inliers over 1,500 one-tree forests each: they must agree within four
    // standard errors of the difference (a biased threshold draw, u² instead of u, shifts them by more).
    const rows = normalRows(600, 5, 2);
    const outlier = 17;
    rows.data.fill(4, outlier * 5, outlier * 5 + 5);
    const probes = [outlier, 100, 200];
    const stats = (draw: (seed: number) => number[]) => {
      const sum = probes.map(() => 0);
      const squares = probes.map(() => 0);
      for (let seed = 0; seed < 1500; seed++) {
        draw(seed).forEach((h, k) => {
          sum[k]! += h;
          squares[k]! += h * h;
        });
      }
      return sum.map((s, k) => ({ mean: s / 1500, variance: (squares[k]! / 1500 - (s / 1500) ** 2) / 1500 }));
    };
    const forest = stats((seed) => {
      const fitted = new IsolationForest({ trees: 1, seed, maxTrainingRows: rows.count }).fit(rows);
      return probes.map((r) => fitted.expectedPathLength(rows.data.subarray(r * 5, r * 5 + 5)));
    });
    const grown = stats((seed) => {
      const sums = pathLengthSums(rows, probes, 1, seed);
      return probes.map((r) => sums[r]!);
    });
    probes.forEach((_, k) => {
      const tolerance = 4 * Math.sqrt(forest[k]!.variance + grown[k]!.variance);
      expect(Math.abs(grown[k]!.mean - forest[k]!.mean)).toBeLessThan(tolerance);
    });
    expect(grown[0]!.mean).toBeLessThan(grown[1]!.mean - 3);
  });

  it('uses psi = min(sampleSize, rows), the height limit ceil(log2 psi), and is reproducible from its seed', () => {
    const rows = normalRows(300, 3, 4);
    const sums = new Float64Array(rows.count);
    expect(addGrownPathLengths(rows, everyRow(rows), sums, { trees: 5, seed: 1, sampleSize: 64 })).toBe(64);
    for (const s of sums) expect(s / 5).toBeLessThanOrEqual(6 + averagePathLength(64));
    expect(addGrownPathLengths(normalRows(40, 3, 4), [0], new Float64Array(40), { trees: 1, seed: 1 })).toBe(
      40,
    );
    // psi = 8: height limit 3, where at most 8 - 3 samples are left, so no path is longer than 3 + c(5); with a
    // limit of 4 some are (4 + c(4)).
    let longest = 0;
    for (let seed = 0; seed < 200; seed++) {
      const one = new Float64Array(rows.count);
      addGrownPathLengths(rows, everyRow(rows), one, { trees: 1, seed, sampleSize: 8 });
      longest = Math.max(longest, ...one);
    }
    expect(longest).toBeLessThanOrEqual(3 + averagePathLength(5) + 1e-6);
    expect(longest).toBeGreaterThan(3);
    expect(pathLengthSums(rows, [7, 8], 4, 9)).toEqual(pathLengthSums(rows, [7, 8], 4, 9));
    expect(pathLengthSums(rows, [7, 8], 4, 9)).not.toEqual(pathLengthSums(rows, [7, 8], 4, 10));
  });

  it('rejects bad options and arguments naming them', () => {
    const rows = normalRows(50, 2, 5);
    const sums = new Float64Array(50);
    expect(invalidArgumentOf(() => addGrownPathLengths(rows, [0], sums, { trees: 0, seed: 1 }))).toBe(
      'trees',
    );
    expect(invalidArgumentOf(() => addGrownPathLengths(rows, [0], sums, { trees: 1, seed: 0.5 }))).toBe(
      'seed',
    );
    expect(
      invalidArgumentOf(() => addGrownPathLengths(rows, [0], sums, { trees: 1, seed: 1, sampleSize: 0 })),
    ).toBe('sampleSize');
    expect(invalidArgumentOf(() => addGrownPathLengths(rows, [50], sums, { trees: 1, seed: 1 }))).toBe(
      'queries',
    );
    expect(
      invalidArgumentOf(() => addGrownPathLengths(rows, [0], new Float64Array(3), { trees: 1, seed: 1 })),
    ).toBe('sums');
  });
});
