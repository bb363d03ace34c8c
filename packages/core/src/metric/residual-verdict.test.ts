import { describe, expect, it } from 'vitest';
import { Random } from '../random.js';
import { robustScale } from './residual-verdict.js';

/** The definition, by sorting: 1.4826 x median |r - median r|, at least 1e-6. */
function sortedRobustScale(residual: readonly number[]): number {
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const m = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
  };
  const center = median([...residual]);
  return Math.max(1e-6, 1.4826 * median(residual.map((r) => Math.abs(r - center))));
}

describe('robustScale', () => {
  it('equals the sort-based definition exactly, for odd and even lengths, with and without ties', () => {
    const random = new Random(23);
    const pool = [-0, 0, 1, -2.5, 3, 0.1, 1e-9];
    for (const n of [1, 2, 3, 4, 7, 100, 1439, 1440]) {
      for (const tied of [false, true]) {
        for (let trial = 0; trial < 5; trial++) {
          const residual = Array.from({ length: n }, () =>
            tied ? pool[random.int(pool.length)]! : random.normal() * 10 ** random.int(3),
          );
          expect(robustScale(residual)).toBe(sortedRobustScale(residual));
          expect(robustScale(Float64Array.from(residual))).toBe(sortedRobustScale(residual));
        }
      }
    }
  });

  it('leaves its argument as it was', () => {
    const residual = Float64Array.from([3, -1, 2, 8, 0]);
    robustScale(residual);
    expect(Array.from(residual)).toEqual([3, -1, 2, 8, 0]);
  });
});
