import { describe, expect, it } from 'vitest';
import { Random } from '../random.js';
import { selectInPlace } from './select.js';

describe('selectInPlace', () => {
  it('puts the k-th smallest value at k, smaller before and larger after, as sorting would', () => {
    const rng = new Random(3);
    for (const n of [1, 2, 7, 600, 601, 1440, 5000]) {
      // Rounded values: many ties.
      const values = Float64Array.from({ length: n }, () => Math.round(rng.float() * 50) - 25);
      const sorted = Float64Array.from(values).sort();
      for (const k of [0, n >> 1, n - 1, Math.floor(0.99 * n)]) {
        const a = Float64Array.from(values);
        selectInPlace(a, k, 0, n - 1);
        expect(a[k]).toBe(sorted[k]);
        for (let i = 0; i < k; i++) expect(a[i]).toBeLessThanOrEqual(a[k]!);
        for (let i = k + 1; i < n; i++) expect(a[i]).toBeGreaterThanOrEqual(a[k]!);
      }
    }
  });
});
