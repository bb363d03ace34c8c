/**
 * Centred rolling median: out[i] = median of values[i - h .. i + h], the window cut at the series' ends (so the
 * first and last h values have shorter, one-sided windows). The window is kept sorted, each step one binary-search
 * removal and one insertion: O(n w) moves for n values and window w, cheap for the few hundred rows a window holds
 * here and exact (no approximation).
 */
import { InvalidInputError, type NumberArray } from '../errors.js';

export function rollingMedian(values: NumberArray, halfWidth: number): Float64Array {
  if (!(Number.isInteger(halfWidth) && halfWidth >= 0)) {
    throw new InvalidInputError('halfWidth', `expected a non-negative integer, got ${halfWidth}`);
  }
  const n = values.length;
  const out = new Float64Array(n);
  const window: number[] = [];
  let hi = 0; // values[0 .. hi) have entered the window
  for (let i = 0; i < n; i++) {
    for (; hi < n && hi <= i + halfWidth; hi++)
      window.splice(insertionPoint(window, values[hi]!), 0, values[hi]!);
    const leaving = i - halfWidth - 1;
    if (leaving >= 0) window.splice(insertionPoint(window, values[leaving]!), 1);
    out[i] = medianOfSorted(window);
  }
  return out;
}

/** Median of a sorted, non-empty list (mean of the two middle values for an even length). */
export function medianOfSorted(sorted: ArrayLike<number>): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/** First index whose value is >= x (where x is, if present). */
function insertionPoint(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
