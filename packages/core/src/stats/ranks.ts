/**
 * Ranks with ties, as rank-based tests need them: average (mid) ranks and the sizes of the groups of equal values,
 * from which tie corrections such as Σ t(t−1)(2t+5) (Mann-Kendall) or Σ (t³ − t) (Wilcoxon) are formed.
 */
import { assertFiniteArray, type NumberArray } from '../errors.js';

/** A group of equal values that occur more than once. */
export interface TieGroup {
  value: number;
  size: number;
}

export interface Ranking {
  /** 1-based average ranks in input order: tied values share the mean of the ranks they span. */
  ranks: Float64Array;
  /** One entry per value occurring more than once, in ascending order of value. */
  ties: TieGroup[];
}

/**
 * Average ranks of `values` (scipy.stats.rankdata(values, method='average')) and their tie groups.
 * Complexity O(n log n).
 * @throws {InvalidInputError} when `values` is empty or holds a non-finite number.
 * @example rankData([10, 20, 10, 30]).ranks // Float64Array [1.5, 3, 1.5, 4]
 */
export function rankData(values: NumberArray): Ranking {
  assertFiniteArray('values', values);
  const n = values.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => values[a]! - values[b]!);

  const ranks = new Float64Array(n);
  const ties: TieGroup[] = [];
  let start = 0;
  while (start < n) {
    const value = values[order[start]!]!;
    let end = start + 1;
    while (end < n && values[order[end]!] === value) end++;
    // Positions start..end-1 hold ranks start+1..end; their mean is (start + 1 + end) / 2.
    const rank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) ranks[order[i]!] = rank;
    if (end - start > 1) ties.push({ value, size: end - start });
    start = end;
  }
  return { ranks, ties };
}

/**
 * Sizes of the groups of equal values that occur more than once, in ascending order of value. Cheaper than
 * `rankData` when only the tie correction is needed (one native sort of a copy). Complexity O(n log n).
 * @throws {InvalidInputError} when `values` is empty or holds a non-finite number.
 * @example tieGroupSizes([3, 1, 3, 2, 3, 1]) // [2, 3]
 */
export function tieGroupSizes(values: NumberArray): number[] {
  assertFiniteArray('values', values);
  const sorted = Float64Array.from(values).sort();
  const sizes: number[] = [];
  let start = 0;
  for (let i = 1; i <= sorted.length; i++) {
    if (i === sorted.length || sorted[i] !== sorted[start]) {
      if (i - start > 1) sizes.push(i - start);
      start = i;
    }
  }
  return sizes;
}
