import { expect, it } from 'vitest';
import { mapToFloat64 } from './map-to-float64.js';

it('maps as Float64Array.from does, from arrays and typed arrays, with the index', () => {
  const f = (x: number, i: number) => (x > 0 ? Math.log(x) : Number.NaN) + i;
  for (const values of [[3, 0, -1, 2.5], Float64Array.from([1e-300, 7, -0]), []]) {
    expect(mapToFloat64(values, f)).toEqual(Float64Array.from(values, f));
  }
  const rows = [{ v: 1 }, { v: 2 }];
  expect(mapToFloat64(rows, (row) => row.v)).toEqual(Float64Array.from([1, 2]));
});
