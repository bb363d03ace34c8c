import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { Random } from '../random.js';
import { IsolationForest } from './isolation-forest.js';
import { RowMatrix } from './rows.js';

function randomRows(count: number, dims: number, seed: number): number[][] {
  const rng = new Random(seed);
  return Array.from({ length: count }, () => Array.from({ length: dims }, () => rng.float() * 10));
}

describe('RowMatrix', () => {
  const rows = randomRows(300, 3, 7);
  const matrix = RowMatrix.from('rows', rows);

  it('fits and scores exactly as the arrays it was made from', () => {
    const queries = randomRows(50, 3, 8);
    const expected = new IsolationForest({ seed: 3 }).fit(rows).score(queries);
    const forest = new IsolationForest({ seed: 3 }).fit(matrix);
    expect(forest.score(RowMatrix.from('queries', queries))).toEqual(expected);
    expect(forest.score(queries)).toEqual(expected);
  });

  it('takes row-major data without a copy and selects rows in the order given', () => {
    const data = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const m = RowMatrix.of('x', data, 2);
    expect(m.data).toBe(data);
    expect([m.count, m.dims]).toEqual([3, 2]);
    const picked = m.select([2, 0]);
    expect([...picked.data]).toEqual([5, 6, 1, 2]);
    expect(picked.count).toBe(2);
  });

  it('rejects what toRows rejects, naming the argument and the place', () => {
    expect(() => RowMatrix.of('x', Float64Array.from([1, 2, 3]), 2)).toThrow(/x: .*multiple of 2/);
    expect(() => RowMatrix.of('x', new Float64Array(0), 2)).toThrow(InvalidInputError);
    expect(() => RowMatrix.of('x', Float64Array.from([1, 2, Number.NaN, 4]), 2)).toThrow(/x: .*\[1\]\[0\]/);
    expect(() => RowMatrix.from('rows', [[1, 2], [3]])).toThrow(/row 1 has 1 values/);
    expect(() => matrix.select([])).toThrow(InvalidInputError);
    expect(() => matrix.select([300])).toThrow(/indices: row 300/);
  });

  it('is checked against the fitted dimension when scored', () => {
    const forest = new IsolationForest({ seed: 1 }).fit(matrix);
    expect(() => forest.score(RowMatrix.of('q', Float64Array.from([1, 2]), 2))).toThrow(/rows: .*3 values/);
  });
});
