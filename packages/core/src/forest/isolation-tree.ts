/**
 * Isolation trees (Liu, Ting & Zhou, "Isolation Forest", ICDM 2008, Algorithm 2 iTree and Algorithm 3 PathLength),
 * grown into flat typed arrays shared by all the trees of a forest: no object per node, so a forest is a handful
 * of arrays, cheap to keep by the tens of thousands and fast to walk.
 *
 * Growth, as in the paper and scikit-learn's ExtraTreeRegressor(max_features=1, splitter='random'): a node with at
 * least two samples, below the height limit, splits on a feature drawn uniformly among those not constant in the
 * node, at a threshold drawn uniformly in [min, max) of that feature; `x[feature] <= threshold` goes left. A node
 * with one sample, only identical samples, or at the height limit is a leaf.
 */

import type { Random } from '../random.js';
import { averagePathLength } from './average-path-length.js';

/**
 * Leaf path lengths are rounded to multiples of 2^-26 (an error below 1.5e-8, far under any score resolution).
 * Sums of up to 2^53 * 2^-26 = 2^27 in such values are exact in float64, hence independent of the order of the
 * additions: the univariate step function, built by running sums, then equals the tree walk bit for bit.
 */
const PATH_LENGTH_QUANTUM = 2 ** 26;

/** Largest height limit accepted; with at most MAX_TREES trees, path length sums stay below 2^27 (see above). */
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

/** Leaf path length: its depth plus c(size) for the subtree that the height limit left unbuilt (paper, Alg. 3). */
export function leafPathLength(depth: number, size: number): number {
  return Math.round((depth + averagePathLength(size)) * PATH_LENGTH_QUANTUM) / PATH_LENGTH_QUANTUM;
}

/**
 * Path length h(x) of `x` (features at `row[offset .. offset + dims)`) in the tree rooted at `root`: the depth of
 * the leaf it lands in plus c(leaf size). O(depth).
 */
export function pathLength(nodes: TreeNodes, root: number, row: ArrayLike<number>, offset = 0): number {
  const { left, feature, value } = nodes;
  let node = root;
  let child = left[node]!;
  while (child !== 0) {
    node = row[offset + feature[node]!]! <= value[node]! ? child : child + 1;
    child = left[node]!;
  }
  return value[node]!;
}

/** Grows isolation trees one after another into one `TreeNodes`, allocating nothing per node. */
export class TreeGrower {
  readonly nodes: TreeNodes;
  private indices: Int32Array = new Int32Array(0);
  /** Features in the order the current node tries them (a permutation, shuffled in place as it is drawn). */
  private readonly order: Uint16Array;
  /** Range of the feature found by `pickFeature`. */
  private low = 0;
  private high = 0;

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

  /** Grows one tree on the rows at `indices` (reordered in place) and returns its root. */
  grow(indices: Int32Array): number {
    this.indices = indices;
    // A tree on psi samples has at most 2 psi - 1 nodes: reserving them once keeps growNode free of checks.
    this.reserve(2 * indices.length - 1);
    const root = this.nodes.count++;
    this.growNode(root, 0, indices.length, 0);
    return root;
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

  private growNode(node: number, start: number, end: number, depth: number): void {
    const nodes = this.nodes;
    if (end - start > 1 && depth < this.maxDepth) {
      const feature = this.pickFeature(start, end);
      if (feature >= 0) {
        const { low, high } = this;
        const u = this.rng.float();
        // (1 - u) low + u high cannot overflow, unlike low + u (high - low); rounding may reach `high`, which would
        // leave the right side empty, so fall back to `low` as scikit-learn does.
        let threshold = (1 - u) * low + u * high;
        if (!(threshold >= low && threshold < high)) threshold = low;
        const middle = this.partition(start, end, feature, threshold);
        const left = nodes.count;
        nodes.count += 2;
        nodes.left[node] = left;
        nodes.feature[node] = feature;
        nodes.value[node] = threshold;
        this.growNode(left, start, middle, depth + 1);
        this.growNode(left + 1, middle, end, depth + 1);
        return;
      }
    }
    nodes.left[node] = 0;
    nodes.feature[node] = 0;
    nodes.value[node] = leafPathLength(depth, end - start);
  }

  /**
   * Draws features in random order (without replacement) until one is not constant over the node's rows: a
   * uniform draw among the non-constant features, at O(rows) per feature tried. Leaves its range in `low`/`high`.
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
      if (this.findRange(start, end, feature)) return feature;
    }
    return -1;
  }

  /** Range of `feature` over the node's rows into `low`/`high`; true when not constant. */
  private findRange(start: number, end: number, feature: number): boolean {
    const { indices } = this;
    const { data, dims } = this.rows;
    let low = data[indices[start]! * dims + feature]!;
    let high = low;
    for (let i = start + 1; i < end; i++) {
      const v = data[indices[i]! * dims + feature]!;
      if (v < low) low = v;
      else if (v > high) high = v;
    }
    this.low = low;
    this.high = high;
    return low < high;
  }

  /** Moves the node's rows with `x[feature] <= threshold` to the front of its index range; returns the boundary. */
  private partition(start: number, end: number, feature: number, threshold: number): number {
    const { indices } = this;
    const { data, dims } = this.rows;
    let i = start;
    let j = end - 1;
    while (i <= j) {
      if (data[indices[i]! * dims + feature]! <= threshold) {
        i++;
      } else {
        const swap = indices[i]!;
        indices[i] = indices[j]!;
        indices[j] = swap;
        j--;
      }
    }
    return i;
  }
}
