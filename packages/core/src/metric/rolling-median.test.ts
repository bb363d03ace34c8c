import { describe, expect, it } from 'vitest';
import { invalidArgumentOf } from '../../test/errors-support.js';
import { Random } from '../random.js';
import { rollingMedian } from './rolling-median.js';

/** The definition: each window copied and sorted. */
function naiveRollingMedian(values: readonly number[], halfWidth: number): Float64Array {
  return Float64Array.from(values, (_, i) => {
    const window = values.slice(Math.max(0, i - halfWidth), i + halfWidth + 1).sort((a, b) => a - b);
    const m = window.length >> 1;
    return window.length % 2 === 1 ? window[m]! : (window[m - 1]! + window[m]!) / 2;
  });
}

/** The implementation this one replaced (a sorted list, spliced), whose zeros' signs it must reproduce. */
function splicedRollingMedian(values: readonly number[], halfWidth: number): Float64Array {
  const lowerBound = (sorted: number[], x: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const out = new Float64Array(values.length);
  const window: number[] = [];
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    for (; hi < values.length && hi <= i + halfWidth; hi++)
      window.splice(lowerBound(window, values[hi]!), 0, values[hi]!);
    const leaving = i - halfWidth - 1;
    if (leaving >= 0) window.splice(lowerBound(window, values[leaving]!), 1);
    const m = window.length >> 1;
    out[i] = window.length % 2 === 1 ? window[m]! : (window[m - 1]! + window[m]!) / 2;
  }
  return out;
}

/** Values drawn from a handful (many ties, 0 and -0 among them) or continuous. */
function randomValues(random: Random, n: number, tied: boolean): number[] {
  const pool = [-0, 0, 1, -2.5, 3, 0.1];
  return Array.from({ length: n }, () => (tied ? pool[random.int(pool.length)]! : random.normal()));
}

const bits = (a: Float64Array) => Array.from(a, (x) => (Object.is(x, -0) ? '-0' : String(x)));

describe('rollingMedian', () => {
  it('equals the sorted-window definition and the spliced list it replaced, bit for bit (zeros signed)', () => {
    const random = new Random(17);
    for (const n of [0, 1, 2, 3, 10, 57, 300]) {
      for (const halfWidth of [0, 1, 2, 5, 12, 149, 400]) {
        for (const tied of [false, true]) {
          const values = randomValues(random, n, tied);
          const actual = rollingMedian(values, halfWidth);
          expect(bits(actual)).toEqual(bits(splicedRollingMedian(values, halfWidth)));
          // The definition does not say which zero a median of zeros is.
          const unsigned = (a: Float64Array) => Array.from(a, (x) => x + 0);
          expect(unsigned(actual)).toEqual(unsigned(naiveRollingMedian(values, halfWidth)));
        }
      }
    }
  });

  it('takes typed arrays and leaves them as they were', () => {
    const values = Float64Array.from([5, 1, 4, 2, 3]);
    expect(Array.from(rollingMedian(values, 1))).toEqual([3, 4, 2, 3, 2.5]);
    expect(Array.from(values)).toEqual([5, 1, 4, 2, 3]);
  });

  it('rejects a half-width that is not a non-negative integer', () => {
    expect(invalidArgumentOf(() => rollingMedian([1, 2], -1))).toBe('halfWidth');
    expect(invalidArgumentOf(() => rollingMedian([1, 2], 1.5))).toBe('halfWidth');
  });
});
