import { describe, expect, it } from 'vitest';
import { Random } from '../random.js';
import { IsolationForest } from './isolation-forest.js';
import { fitScoreTable, type ScoreTable } from './score-table.js';

/** The table's score at x is the forest's up to the float32 rounding of the mean path length. */
function expectSameScore(table: ScoreTable, forest: IsolationForest, x: number): void {
  const expected = forest.scoreOne(x);
  expect(Math.abs(table.at(x) - expected)).toBeLessThanOrEqual(2e-7 * expected);
}

/** Points between consecutive breakpoints of the forest's own step function, and beyond both ends. */
function probePoints(forest: IsolationForest): number[] {
  const b = forest.stepFunction.breakpoints;
  const points = [b[0]! - 1, b[b.length - 1]! + 1];
  for (let k = 1; k < b.length; k++) points.push((b[k - 1]! + b[k]!) / 2);
  return points;
}

describe('fitScoreTable', () => {
  it.each([
    [16, 64, 128],
    [16, 64, 64],
    [5, 256, 300],
  ])(
    'scores as IsolationForest(trees %i, psi %i) on %i values does, to float32 precision',
    (trees, psi, n) => {
      const random = new Random(n);
      const values = Float64Array.from({ length: n }, () => 100 + random.normal(0, 3));
      values[7] = values[3]!; // ties
      for (const seed of [1, 2, 3]) {
        const forest = new IsolationForest({ trees, sampleSize: psi, maxTrainingRows: n, seed }).fit(values);
        const table = fitScoreTable(values, { trees, sampleSize: psi, seed });
        for (const x of probePoints(forest)) expectSameScore(table, forest, x);
        // Float32 thresholds and leaves with a quarter of room to spare, int32 tree starts.
        const room = Math.ceil(table.size * 1.25);
        expect(table.size).toBeLessThanOrEqual(trees * (Math.min(psi, n) - 1));
        expect(table.byteLength).toBe(4 * room + 4 * (room + trees) + 4 * (trees + 1));
      }
    },
  );

  it('refits into a table it is given, as a new one would be fitted', () => {
    const random = new Random(5);
    const first = Float64Array.from({ length: 64 }, () => random.normal(0, 1));
    const second = Float64Array.from({ length: 64 }, () => 50 + random.normal(0, 10));
    const options = { trees: 6, sampleSize: 64, seed: 8 };
    const table = fitScoreTable(first, options);
    const fresh = fitScoreTable(second, options);
    const refit = fitScoreTable(second, options, table);
    expect(refit).toBe(table);
    for (const x of [...second, -100, 0, 30, 200]) expect(refit.at(x)).toBe(fresh.at(x));
    // A table without room for the fit is left alone.
    expect(fitScoreTable(second, { ...options, trees: 7 }, table)).not.toBe(table);
    const small = fitScoreTable(new Float64Array([1, 2]), options);
    expect(fitScoreTable(second, options, small)).not.toBe(small);
  });

  it('keeps resolution on values of large magnitude and small spread', () => {
    const random = new Random(9);
    const values = Float64Array.from({ length: 128 }, () => 1e9 + random.normal(0, 0.01));
    const forest = new IsolationForest({ trees: 16, sampleSize: 64, maxTrainingRows: 128, seed: 4 }).fit(
      values,
    );
    const table = fitScoreTable(values, { trees: 16, sampleSize: 64, seed: 4 });
    for (const x of probePoints(forest)) expectSameScore(table, forest, x);
  });

  it('gives 0.5 everywhere for constant data', () => {
    const table = fitScoreTable(new Float64Array(50).fill(3), { trees: 8, sampleSize: 64, seed: 1 });
    expect(table.size).toBe(0);
    expect(table.at(3)).toBeCloseTo(
      Math.fround(new IsolationForest({ trees: 8, seed: 1 }).fit([3, 3]).scoreOne(3)),
    );
  });
});
