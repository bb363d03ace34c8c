/**
 * Isolation path lengths of chosen rows, each tree grown only where those rows go.
 *
 * A row's path length in an isolation tree depends only on the nodes along its path. Growing a tree from the root
 * and following only the branches that some queried row takes gives every queried row the path length the whole
 * tree would, at a fraction of its cost when the queries are few: a tree on psi = 256 samples has up to 511 nodes,
 * the paths of a few dozen rows far fewer. No node is stored either: a queried row's path ends where it is scored.
 * (The shallow model scores every row with a few trees, then only the rows near its decision bar with the rest.)
 *
 * For that to hold, a node's draws (its feature, its threshold) are addressed by the node's position in the tree
 * (`keyedFloat`), not taken from a sequence shared with the nodes grown before it: the trees are the same whichever
 * rows are queried, and a row's path lengths never depend on the other queries. Otherwise the growth is
 * IsolationForest's (isolation-tree.ts): per tree a subsample of psi = min(sampleSize, rows) rows drawn without
 * replacement, the height limit ceil(log2 psi), a feature drawn uniformly among those not constant in the node, a
 * threshold uniform in [min, max) with `x <= threshold` going left, and a leaf's path length depth + c(size). The
 * same distribution of trees as IsolationForest, not the same trees.
 */
import { InvalidInputError } from '../errors.js';
import { keyedFloat, Random } from '../random.js';
import {
  type FeatureRange,
  featureRange,
  leafPathLength,
  MAX_TREES,
  partitionRows,
  type Rows,
  thresholdAt,
} from './isolation-tree.js';

export interface GrownPathLengthOptions {
  /** Number of trees. */
  trees: number;
  /** Subsample size psi of each tree; min(sampleSize, rows) is used. @default 256 */
  sampleSize?: number;
  /** PRNG seed (safe integer). */
  seed: number;
}

/** Largest subsample: with its height limit of 16, node positions times draws per node fit the 32-bit counter. */
export const MAX_GROWN_SAMPLE_SIZE = 1 << 16;

/**
 * Adds to `sums[r]`, for each row r listed in `queries`, the sum of its path lengths h(x_r) over `trees` isolation
 * trees grown on subsamples of `rows` (E[h] is that sum over `trees`). Other entries of `sums` are left as they are.
 * @returns psi, the subsample size, for `anomalyScorer(psi)`.
 * @throws {InvalidInputError} naming the option or argument out of range.
 */
export function addGrownPathLengths(
  rows: Rows,
  queries: ArrayLike<number>,
  sums: Float64Array,
  options: GrownPathLengthOptions,
): number {
  const { trees, seed, sampleSize = 256 } = options;
  if (!(Number.isInteger(trees) && trees >= 1 && trees <= MAX_TREES)) {
    throw new InvalidInputError('trees', `expected an integer in [1, ${MAX_TREES}], got ${String(trees)}`);
  }
  if (!(Number.isInteger(sampleSize) && sampleSize >= 1 && sampleSize <= MAX_GROWN_SAMPLE_SIZE)) {
    throw new InvalidInputError('sampleSize', `expected an integer in [1, ${MAX_GROWN_SAMPLE_SIZE}]`);
  }
  if (!Number.isSafeInteger(seed))
    throw new InvalidInputError('seed', `expected a safe integer, got ${seed}`);
  const psi = Math.min(sampleSize, rows.count);
  const maxDepth = Math.ceil(Math.log2(Math.max(psi, 2)));
  // Node positions below 2^(maxDepth + 1), times (dims + 1) draws each, must stay distinct 32-bit counters.
  if (2 ** (maxDepth + 1) * (rows.dims + 1) > 2 ** 32) {
    throw new InvalidInputError('rows', `too many features (${rows.dims}) for a subsample of ${psi}`);
  }
  if (sums.length < rows.count)
    throw new InvalidInputError('sums', `expected at least ${rows.count} entries`);
  const queried = Int32Array.from(queries);
  for (const r of queried) {
    if (!(r >= 0 && r < rows.count))
      throw new InvalidInputError('queries', `row ${r} is not in [0, ${rows.count})`);
  }
  if (queried.length === 0) return psi;
  const grower = new PathGrower(rows, queried, sums, maxDepth);
  const rng = new Random(seed);
  const samples = new Int32Array(psi);
  const everyRow = psi === rows.count;
  for (let t = 0; t < trees; t++) {
    // When every tree takes all rows, their order does not matter (IsolationForest does the same).
    if (everyRow) for (let i = 0; i < psi; i++) samples[i] = i;
    else rng.sampleInto(rows.count, samples);
    grower.grow(samples, rng.uint32() | 0);
  }
  return psi;
}

/** One tree at a time: the samples and queries of a node are contiguous ranges of their index arrays. */
class PathGrower {
  private samples: Int32Array = new Int32Array(0);
  private key = 0;
  /** Features in the order a node tries them; reset at each node, so a node's draws alone decide its feature. */
  private readonly order: Uint16Array;
  /** Range of the feature found by `pickFeature`. */
  private readonly range: FeatureRange = { low: 0, high: 0 };

  constructor(
    private readonly rows: Rows,
    private readonly queries: Int32Array,
    private readonly sums: Float64Array,
    private readonly maxDepth: number,
  ) {
    this.order = new Uint16Array(rows.dims);
  }

  /** Adds each query's path length in the tree on `samples` (reordered in place) whose draws are keyed by `key`. */
  grow(samples: Int32Array, key: number): void {
    this.samples = samples;
    this.key = key;
    this.growNode(0, 0, 0, samples.length, 0, this.queries.length);
  }

  /** Node at heap position `node` (children 2 node + 1 and 2 node + 2) over samples [s0, s1) and queries [q0, q1). */
  private growNode(node: number, depth: number, s0: number, s1: number, q0: number, q1: number): void {
    if (q0 === q1) return;
    const size = s1 - s0;
    const feature = size > 1 && depth < this.maxDepth ? this.pickFeature(node, s0, s1) : -1;
    if (feature < 0) {
      const h = leafPathLength(depth, size);
      const { queries, sums } = this;
      for (let q = q0; q < q1; q++) sums[queries[q]!]! += h;
      return;
    }
    const { rows, range } = this;
    const u = keyedFloat(this.key, node * (rows.dims + 1) + rows.dims);
    const threshold = thresholdAt(u, range.low, range.high);
    const sMiddle = partitionRows(rows, this.samples, s0, s1, feature, threshold);
    const qMiddle = partitionRows(rows, this.queries, q0, q1, feature, threshold);
    this.growNode(2 * node + 1, depth + 1, s0, sMiddle, q0, qMiddle);
    this.growNode(2 * node + 2, depth + 1, sMiddle, s1, qMiddle, q1);
  }

  /**
   * Draws features in random order (without replacement) until one is not constant over the node's samples: a
   * uniform draw among the non-constant features. Leaves its range in `range`.
   * @returns the feature, or -1 when all are constant.
   */
  private pickFeature(node: number, s0: number, s1: number): number {
    const { order } = this;
    const dims = order.length;
    for (let f = 0; f < dims; f++) order[f] = f;
    const counter = node * (dims + 1);
    for (let tried = 0; tried < dims; tried++) {
      const j =
        tried + 1 === dims
          ? tried
          : tried + Math.floor(keyedFloat(this.key, counter + tried) * (dims - tried));
      const feature = order[j]!;
      order[j] = order[tried]!;
      order[tried] = feature;
      if (featureRange(this.rows, this.samples, s0, s1, feature, this.range)) return feature;
    }
    return -1;
  }
}
