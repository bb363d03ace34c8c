/**
 * Isolation trees (Liu, Ting & Zhou, "Isolation Forest", ICDM 2008, Algorithm 2 iTree and Algorithm 3
 * PathLength), grown into flat typed arrays shared by all the trees of a forest: no object per node, so a
 * forest is a handful of arrays, cheap to keep by the tens of thousands and fast to walk.
 *
 * Growth, as in the paper and scikit-learn's ExtraTreeRegressor(max_features=1, splitter='random'): a node
 * with at least two samples, below the height limit, splits on a feature drawn uniformly among those not
 * constant in the node, at a threshold drawn uniformly in [min, max) of that feature, and rows with
 * `x[feature] <= threshold` go left. A node with one sample, only identical samples, or at the height limit
 * is a leaf.
 */

import type { Random } from '../random.js';
import { averagePathLength } from './average-path-length.js';

/**
 * Leaf path lengths are rounded to multiples of 2^-26 (an error below 1.5e-8, far under any score
 * resolution). Sums of up to 2^53 * 2^-26 = 2^27 in such values are exact in float64, hence independent of
 * the order of the additions: the univariate step function, built by running sums, then equals the tree walk
 * bit for bit.
 */
const PATH_LENGTH_QUANTUM = 2 ** 26;

/**
 * Largest height limit accepted; with at most MAX_TREES trees, path length sums stay below 2^27 (see above).
 */
export const MAX_TREE_DEPTH = 1000;
export const MAX_TREES = 10000;
/** Features are stored as Uint16. */
export const MAX_FEATURES = 65535;

/** Row-major training rows: row r, feature f at `data[r * dims + f]`. */
export interface Rows {
  data: Float64Array;
  count: number;
  dims: number;
}

/**
 * Node storage for a whole forest. Node i is a leaf when `left[i] === 0` (index 0 is the first root, never a
 * child); otherwise its children are `left[i]` and `left[i] + 1`.
 */
export interface TreeNodes {
  /** Left child index of internal nodes (the right child follows it); 0 for leaves. */
  left: Int32Array;
  /** Split feature of internal nodes (0 for leaves). */
  feature: Uint16Array;
  /** Split threshold of internal nodes; path length h = depth + c(leaf size) of leaves. */
  value: Float64Array;
  /** Number of nodes in use. */
  count: number;
}

/** Leaf path length h: depth plus c(size) for the subtree the height limit left unbuilt (paper, Alg. 3). */
export function leafPathLength(depth: number, size: number): number {
  return Math.round((depth + averagePathLength(size)) * PATH_LENGTH_QUANTUM) / PATH_LENGTH_QUANTUM;
}

/**
 * Path length h(x) of `x` (features at `row[offset .. offset + dims)`) in the tree rooted at `root`: the
 * depth of the leaf it lands in plus c(leaf size). O(depth).
 */
export function pathLength(nodes: TreeNodes, root: number, row: ArrayLike<number>, offset = 0): number {
  const { left, feature, value } = nodes;
  let node = root;
  let child = left[node]!;
  while (child !== 0) {
    // Arithmetic instead of a branch on the comparison: the CPU cannot predict it, so a branch stalls.
    node = child + +(row[offset + feature[node]!]! > value[node]!);
    child = left[node]!;
  }
  return value[node]!;
}

/**
 * Adds to `sums[r]` the path length of row r (features at `data[r * dims ..]`) in the tree at `root`, for the rows
 * r in [start, end). Walks four rows at a time: a walk is a chain of dependent loads, and independent chains keep
 * the CPU busy while each waits (about 1.8x the speed of `pathLength` row by row, 1.2x that of two at a time; the
 * same sums).
 */
export function addPathLengths(
  nodes: TreeNodes,
  root: number,
  data: ArrayLike<number>,
  dims: number,
  start: number,
  end: number,
  sums: Float64Array,
): void {
  const { left, feature, value } = nodes;
  let r = start;
  for (; r + 3 < end; r += 4) {
    const o0 = r * dims;
    const o1 = o0 + dims;
    const o2 = o1 + dims;
    const o3 = o2 + dims;
    let n0 = root;
    let n1 = root;
    let n2 = root;
    let n3 = root;
    let c0 = left[root]!;
    let c1 = c0;
    let c2 = c0;
    let c3 = c0;
    while ((c0 | c1 | c2 | c3) !== 0) {
      if (c0 !== 0) {
        n0 = c0 + +(data[o0 + feature[n0]!]! > value[n0]!);
        c0 = left[n0]!;
      }
      if (c1 !== 0) {
        n1 = c1 + +(data[o1 + feature[n1]!]! > value[n1]!);
        c1 = left[n1]!;
      }
      if (c2 !== 0) {
        n2 = c2 + +(data[o2 + feature[n2]!]! > value[n2]!);
        c2 = left[n2]!;
      }
      if (c3 !== 0) {
        n3 = c3 + +(data[o3 + feature[n3]!]! > value[n3]!);
        c3 = left[n3]!;
      }
    }
    sums[r]! += value[n0]!;
    sums[r + 1]! += value[n1]!;
    sums[r + 2]! += value[n2]!;
    sums[r + 3]! += value[n3]!;
  }
  for (; r < end; r++) sums[r]! += pathLength(nodes, root, data, r * dims);
}

/**
 * Grows isolation trees one after another into one `TreeNodes`, allocating nothing per node.
 *
 * Univariate trees take a faster path with the same result: a node's samples are exactly the sample values in
 * an interval, so with the values sorted once per tree every node is a contiguous range of them, its min and
 * max are the range's ends, and its split point is a binary search: O(log psi) per node, not O(psi).
 */
export class TreeGrower {
  readonly nodes: TreeNodes;
  private indices: Int32Array = new Int32Array(0);
  /** Univariate: the current tree's sample values, sorted. */
  private values: Float64Array = new Float64Array(0);
  /** Univariate: all training values, sorted once (the sample of every tree when psi = n). */
  private allSorted: Float64Array | null = null;
  /** Features in the order the current node tries them (a permutation, shuffled in place as it is drawn). */
  private readonly order: Uint16Array;
  /** Range of the feature found by `pickFeature`. */
  private readonly range: FeatureRange = { low: 0, high: 0 };

  constructor(
    private readonly rows: Rows,
    private readonly rng: Random,
    private readonly maxDepth: number,
    initialCapacity: number,
  ) {
    this.nodes = {
      left: new Int32Array(initialCapacity),
      feature: new Uint16Array(initialCapacity),
      value: new Float64Array(initialCapacity),
      count: 0,
    };
    this.order = Uint16Array.from({ length: rows.dims }, (_, f) => f);
  }

  /** Grows one tree on the rows at `indices` (multivariate: reordered in place) and returns its root. */
  grow(indices: Int32Array): number {
    const size = indices.length;
    // A tree on psi samples has at most 2 psi - 1 nodes: reserving them once keeps the growth free of checks.
    this.reserve(2 * size - 1);
    const root = this.nodes.count++;
    if (this.rows.dims > 1) {
      this.indices = indices;
      this.growNode(root, 0, size, 0);
    } else {
      this.values = this.sortedValues(indices);
      this.growSorted(root, 0, size, 0);
    }
    return root;
  }

  /** The values at `indices`, sorted; the order of a tree's samples does not change the tree. */
  private sortedValues(indices: Int32Array): Float64Array {
    const { data, count } = this.rows;
    if (indices.length === count) {
      this.allSorted ??= data.slice().sort();
      return this.allSorted;
    }
    const values = this.values.length === indices.length ? this.values : new Float64Array(indices.length);
    for (let i = 0; i < indices.length; i++) values[i] = data[indices[i]!]!;
    return values.sort();
  }

  /** Copies the nodes in use into arrays of exactly that size. */
  trimmed(): TreeNodes {
    const { left, feature, value, count } = this.nodes;
    return {
      left: left.slice(0, count),
      feature: feature.slice(0, count),
      value: value.slice(0, count),
      count,
    };
  }

  private reserve(extra: number): void {
    const { left, feature, value, count } = this.nodes;
    if (count + extra <= left.length) return;
    const capacity = Math.max(2 * left.length, count + extra);
    this.nodes.left = new Int32Array(capacity);
    this.nodes.left.set(left);
    this.nodes.feature = new Uint16Array(capacity);
    this.nodes.feature.set(feature);
    this.nodes.value = new Float64Array(capacity);
    this.nodes.value.set(value);
  }

  /** Multivariate node over `indices[start, end)`. */
  private growNode(node: number, start: number, end: number, depth: number): void {
    const feature = end - start > 1 && depth < this.maxDepth ? this.pickFeature(start, end) : -1;
    if (feature < 0) {
      this.makeLeaf(node, depth, end - start);
      return;
    }
    const threshold = this.drawThreshold(this.range.low, this.range.high);
    const middle = partitionRows(this.rows, this.indices, start, end, feature, threshold);
    const left = this.makeSplit(node, feature, threshold);
    this.growNode(left, start, middle, depth + 1);
    this.growNode(left + 1, middle, end, depth + 1);
  }

  /** Univariate node over the sorted `values[start, end)`. */
  private growSorted(node: number, start: number, end: number, depth: number): void {
    const { values } = this;
    const low = values[start]!;
    const high = values[end - 1]!;
    if (!(end - start > 1 && depth < this.maxDepth && low < high)) {
      this.makeLeaf(node, depth, end - start);
      return;
    }
    const threshold = this.drawThreshold(low, high);
    // First position holding a value above the threshold (low <= threshold < high, so start < middle < end).
    let middle = start + 1;
    let past = end - 1;
    while (middle < past) {
      const probe = (middle + past) >>> 1;
      if (values[probe]! <= threshold) middle = probe + 1;
      else past = probe;
    }
    const left = this.makeSplit(node, 0, threshold);
    this.growSorted(left, start, middle, depth + 1);
    this.growSorted(left + 1, middle, end, depth + 1);
  }

  /** Uniform threshold in [low, high) for low < high. */
  private drawThreshold(low: number, high: number): number {
    return thresholdAt(this.rng.float(), low, high);
  }

  /** Turns `node` into a split and returns its left child (the right one follows it). */
  private makeSplit(node: number, feature: number, threshold: number): number {
    const nodes = this.nodes;
    const left = nodes.count;
    nodes.count += 2;
    nodes.left[node] = left;
    nodes.feature[node] = feature;
    nodes.value[node] = threshold;
    return left;
  }

  private makeLeaf(node: number, depth: number, size: number): void {
    const nodes = this.nodes;
    nodes.left[node] = 0;
    nodes.feature[node] = 0;
    nodes.value[node] = leafPathLength(depth, size);
  }

  /**
   * Draws features in random order (without replacement) until one is not constant over the node's rows: a
   * uniform draw among the non-constant features, at O(rows) per feature tried. Leaves its range in `range`.
   * @returns the feature, or -1 when all are constant.
   */
  private pickFeature(start: number, end: number): number {
    const { order } = this;
    const dims = order.length;
    for (let tried = 0; tried < dims; tried++) {
      const j = tried + 1 === dims ? tried : tried + Math.floor(this.rng.float() * (dims - tried));
      const feature = order[j]!;
      order[j] = order[tried]!;
      order[tried] = feature;
      if (featureRange(this.rows, this.indices, start, end, feature, this.range)) return feature;
    }
    return -1;
  }
}

/** The range of a feature over some rows. */
export interface FeatureRange {
  low: number;
  high: number;
}

/**
 * Range of `feature` over the rows at `indices[start, end)` (at least one) into `range`; true when not constant.
 */
export function featureRange(
  rows: Rows,
  indices: Int32Array,
  start: number,
  end: number,
  feature: number,
  range: FeatureRange,
): boolean {
  const { data, dims } = rows;
  let low = data[indices[start]! * dims + feature]!;
  let high = low;
  for (let i = start + 1; i < end; i++) {
    const v = data[indices[i]! * dims + feature]!;
    if (v < low) low = v;
    else if (v > high) high = v;
  }
  range.low = low;
  range.high = high;
  return low < high;
}

/**
 * The split threshold for a uniform draw u in [0, 1) over [low, high), low < high. (1 - u) low + u high cannot
 * overflow, unlike low + u (high - low); rounding may reach `high`, which would leave the right side empty, so
 * that falls back to `low` as in scikit-learn.
 */
export function thresholdAt(u: number, low: number, high: number): number {
  const threshold = (1 - u) * low + u * high;
  return threshold >= low && threshold < high ? threshold : low;
}

/**
 * Moves the rows at `indices[start, end)` with `x[feature] <= threshold` to the front of that range; returns the
 * boundary.
 */
export function partitionRows(
  rows: Rows,
  indices: Int32Array,
  start: number,
  end: number,
  feature: number,
  threshold: number,
): number {
  const { data, dims } = rows;
  // Lomuto's scheme without a branch on the comparison (which random data makes unpredictable): every row is
  // swapped to the boundary and the boundary moves when it goes left. The order within each side differs from
  // a branching partition, but a node's tree depends only on which rows it holds.
  let boundary = start;
  for (let i = start; i < end; i++) {
    const row = indices[i]!;
    indices[i] = indices[boundary]!;
    indices[boundary] = row;
    boundary += +(data[row * dims + feature]! <= threshold);
  }
  return boundary;
}
