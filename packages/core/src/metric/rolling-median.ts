/**
 * Centred rolling median: out[i] = median of values[i - h .. i + h], the window cut at the series' ends (so the
 * first and last h values have shorter, one-sided windows). The window is kept sorted in one typed array; a step
 * where one value leaves and one enters moves only the values ranked between the two (one memmove, no allocation),
 * on average a third of the window. Exact (no approximation).
 */
import { InvalidInputError, type NumberArray } from '../errors.js';

export function rollingMedian(values: NumberArray, halfWidth: number): Float64Array {
  if (!(Number.isInteger(halfWidth) && halfWidth >= 0)) {
    throw new InvalidInputError('halfWidth', `expected a non-negative integer, got ${halfWidth}`);
  }
  const n = values.length;
  const out = new Float64Array(n);
  const sorted = new Float64Array(Math.min(n, 2 * halfWidth + 1));
  let size = 0;
  let hi = 0; // values[0 .. hi) have entered the window
  for (let i = 0; i < n; i++) {
    const leaving = i - halfWidth - 1;
    if (leaving >= 0 && hi < n) {
      replace(sorted, size, values[leaving]!, values[hi++]!);
    } else {
      for (; hi < n && hi <= i + halfWidth; hi++) size = insert(sorted, size, values[hi]!);
      if (leaving >= 0) size = remove(sorted, size, values[leaving]!);
    }
    out[i] = medianOfSorted(sorted, size);
  }
  return out;
}

/** Median of sorted[0 .. length), length > 0 (mean of the two middle values for an even length). */
export function medianOfSorted(sorted: ArrayLike<number>, length = sorted.length): number {
  const m = length >> 1;
  return length % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/** Inserts x before the first value >= x; returns the new size. */
function insert(sorted: Float64Array, size: number, x: number): number {
  const at = lowerBound(sorted, size, x);
  sorted.copyWithin(at + 1, at, size);
  sorted[at] = x;
  return size + 1;
}

/** Removes the first value >= x (x itself, or an equal one); returns the new size. */
function remove(sorted: Float64Array, size: number, x: number): number {
  const at = lowerBound(sorted, size, x);
  sorted.copyWithin(at, at + 1, size);
  return size - 1;
}

/**
 * `remove(insert(sorted, entering), leaving)` in one move of the values between the two places. Equal values
 * (0 and -0 among them) end up exactly where that pair of steps puts them.
 */
function replace(sorted: Float64Array, size: number, leaving: number, entering: number): void {
  const into = lowerBound(sorted, size, entering);
  const from = lowerBound(sorted, size, leaving);
  if (entering < leaving) {
    // Inserted before the leaving value, which then sits one place further: the values between move up.
    sorted.copyWithin(into + 1, into, from);
    sorted[into] = entering;
  } else if (into > from) {
    // The leaving value goes first, then the values up to the insertion place move down.
    sorted.copyWithin(from, from + 1, into);
    sorted[into - 1] = entering;
  }
  // Else entering is inserted right at the leaving value's place and is the value removed: nothing changes.
}

/** First index in sorted[0 .. size) whose value is >= x (size when none). */
function lowerBound(sorted: Float64Array, size: number, x: number): number {
  let lo = 0;
  let hi = size;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
