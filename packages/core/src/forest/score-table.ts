/**
 * A univariate Isolation Forest fitted straight into compact per-tree score runs, for streaming detectors that
 * refit often and are kept by the tens of thousands.
 *
 * `fitScoreTable(values, options)` grows exactly the trees `new IsolationForest(options).fit(values)` grows
 * (same PRNG stream, same subsamples, same thresholds in the same order; see isolation-tree.ts), but never
 * materialises nodes: each tree is grown over its sorted subsample and emits, in order, its thresholds and the path
 * length of each leaf between them. That in-order run is already sorted, so it is the tree's step function as is:
 * a lookup takes one binary search per tree (6 trees of ~21 thresholds in the station detector: ~30 comparisons) and
 * a fit sorts and merges nothing. A detector looks up one value per sample and refits every few dozen samples, so
 * merging the trees into one table would cost more at the fit than it saves at lookups.
 *
 * Stored in float32: thresholds relative to the training minimum (so their resolution is 2^-24 of the data's
 * spread, not of its magnitude) and leaf path lengths (relative resolution 6e-8). A threshold between two leaves
 * of equal path length (e.g. sibling single-sample leaves) is dropped as it is emitted: about a third of them
 * (6 trees on 64 values: 181 splits, 125 kept). About 8 bytes per threshold, and a quarter more room so later fits
 * reuse the table: ~1.3 KiB for those 6 trees.
 *
 * Scores equal `forest.scoreOne(x)` up to the float32 rounding of the path lengths (relative error below 1e-7),
 * except within float32 rounding of a threshold.
 */
import { Random } from '../random.js';
import { anomalyScorer } from './average-path-length.js';
import { leafPathLength } from './isolation-tree.js';
import { lowerBound, lowerBoundIn } from './step-function.js';

export interface ScoreTableOptions {
  /** Number of trees (1..10000). */
  trees: number;
  /** Subsample size psi of each tree; min(sampleSize, values) is used. */
  sampleSize: number;
  /** PRNG seed (safe integer), as for IsolationForest. */
  seed: number;
}

/** The PRNG stream IsolationForest grows its trees from (isolation-forest.ts). */
const TREE_STREAM = 2;
/** A new table has room for this many times the thresholds of the fit it is made for. */
const TABLE_HEADROOM = 1.25;
/** Uniform draws made at a time: a fit takes about 2 psi per tree. */
const UNIFORM_BATCH = 128;

export class ScoreTable {
  /** Subtracted from x before the lookup (the training minimum). */
  private origin = 0;
  private readonly trees: number;
  /** Each tree's increasing thresholds relative to `origin`, tree after tree. */
  private readonly thresholds: Float32Array;
  /**
   * Each tree's leaf path lengths, one more than its thresholds: tree t's leaf k holds on (threshold k - 1,
   * threshold k] and sits at `starts[t] + t + k`.
   */
  private readonly leaves: Float32Array;
  /** Where each tree's thresholds start, and their end (trees + 1 entries). */
  private readonly starts: Int32Array;
  /** The anomaly score of a mean path length (anomalyScorer of the subsample size). */
  private score: (meanPathLength: number) => number = () => Number.NaN;

  /** An empty table with room for `capacity` thresholds of `trees` trees. */
  constructor(trees: number, capacity: number) {
    this.trees = trees;
    this.thresholds = new Float32Array(capacity);
    this.leaves = new Float32Array(capacity + trees);
    this.starts = new Int32Array(trees + 1);
  }

  /** The score at x. */
  at(x: number): number {
    const { thresholds, leaves, starts, trees } = this;
    const d = x - this.origin;
    let sum = 0;
    for (let t = 0; t < trees; t++)
      sum += leaves[t + lowerBoundIn(thresholds, d, starts[t]!, starts[t + 1]!)]!;
    return this.score(sum / trees);
  }

  /** Thresholds kept, over all trees. */
  get size(): number {
    return this.starts[this.trees]!;
  }

  get byteLength(): number {
    return this.thresholds.byteLength + this.leaves.byteLength + this.starts.byteLength;
  }

  /** Whether `thresholds` thresholds of `trees` trees fit in this table. */
  holds(trees: number, thresholds: number): boolean {
    return this.starts.length === trees + 1 && this.thresholds.length >= thresholds;
  }

  /** Takes the runs of a fit of this table's tree count (thresholds in float64, not yet relative to `origin`). */
  fill(
    origin: number,
    thresholds: Float64Array,
    leaves: Float64Array,
    starts: Int32Array,
    score: (meanPathLength: number) => number,
  ): void {
    const { trees } = this;
    this.origin = origin;
    this.score = score;
    const count = starts[trees]!;
    for (let i = 0; i < count; i++) this.thresholds[i] = thresholds[i]! - origin;
    // One leaf more than thresholds per tree.
    this.leaves.set(leaves.subarray(0, count + trees));
    this.starts.set(starts.subarray(0, trees + 1));
  }
}

/**
 * Fits a univariate Isolation Forest on `values` (finite, at least one; the caller checks) into a ScoreTable:
 * `into` when it has room (its previous fit is overwritten), else a new one.
 * O(trees * psi log psi); allocates nothing else (scratch buffers are kept between fits). A detector that refits
 * into its own table allocates nothing at all: tables lived until the next refit, long enough to be promoted to
 * V8's old generation (3.3 of the ~28 KB per /detection block that got there).
 */
export function fitScoreTable(
  values: Float64Array,
  options: ScoreTableOptions,
  into?: ScoreTable,
): ScoreTable {
  const { trees, sampleSize } = options;
  const psi = Math.min(sampleSize, values.length);
  builder.start(values, psi, trees, new Random(options.seed, TREE_STREAM));
  for (let t = 0; t < trees; t++) builder.growTree(t);
  const count = builder.thresholdCount;
  // Room for a fit a quarter larger: later fits of similar data reuse the table (the worst case, trees * (psi - 1)
  // thresholds, would double a detector's memory).
  const table = into?.holds(trees, count) ? into : new ScoreTable(trees, Math.ceil(count * TABLE_HEADROOM));
  builder.fillTable(table, anomalyScorer(psi));
  return table;
}

/**
 * Grows the trees of one fit into their runs, in buffers reused by every fit (fits run one at a time: nothing here
 * is shared across an await).
 */
class ForestBuilder {
  /** All training values, sorted. */
  private sorted = new Float64Array(0);
  /** The current tree's sample values, sorted. */
  private sample = new Float64Array(0);
  /** Rank in `sorted` of each training value (as indexed in the input). */
  private ranks = new Int32Array(0);
  /** Fisher-Yates pool of the subsample draw, and the marks of the picked ranks. */
  private pool = new Int32Array(0);
  private picked = new Uint8Array(0);
  /** The runs being grown: thresholds, leaf path lengths and where each tree's thresholds start. */
  private thresholds = new Float64Array(0);
  private leaves = new Float64Array(0);
  private starts = new Int32Array(1);
  /** Leaf path length h at `depth * (psi + 1) + size` (leafPathLength is a log and a rounding). */
  private leafLengths = new Float64Array(0);
  private leafPsi = -1;
  private leafDepth = -1;
  private n = 0;
  private psi = 0;
  private trees = 0;
  private maxDepth = 0;
  /** Thresholds kept so far in this fit. */
  thresholdCount = 0;
  private leafCount = 0;
  /** The current tree's first leaf. */
  private treeLeaves = 0;
  /** Draws of the current fit's PRNG, made in bulk (see Random.floats) and used in order. */
  private readonly uniforms = new Float64Array(UNIFORM_BATCH);
  private nextUniform = UNIFORM_BATCH;
  private rng: Random | null = null;

  /** Prepares a fit of `trees` trees on psi of `values`, drawing from `rng`. */
  start(values: Float64Array, psi: number, trees: number, rng: Random): void {
    this.rng = rng;
    const n = values.length;
    this.n = n;
    this.psi = psi;
    this.trees = trees;
    this.maxDepth = Math.ceil(Math.log2(Math.max(psi, 2)));
    this.reserve(n, trees * Math.max(psi - 1, 0), trees);
    this.leafTable();
    const sorted = this.sorted.subarray(0, n);
    sorted.set(values);
    sorted.sort();
    // Every tree takes all values when psi = n: its sample is `sorted` itself.
    if (psi === n) this.sample.set(sorted);
    else this.rankValues(values);
    this.thresholdCount = 0;
    this.leafCount = 0;
    this.nextUniform = UNIFORM_BATCH;
  }

  /** Grows tree `t` (the next one) as TreeGrower does (same draws, same thresholds), emitting its run. */
  growTree(t: number): void {
    if (this.psi < this.n) this.drawSample();
    this.starts[t] = this.thresholdCount;
    this.treeLeaves = this.leafCount;
    this.grow(0, this.psi, 0);
  }

  /** Hands the runs to `table`. */
  fillTable(table: ScoreTable, score: (meanPathLength: number) => number): void {
    this.starts[this.trees] = this.thresholdCount;
    table.fill(this.sorted[0]!, this.thresholds, this.leaves, this.starts, score);
  }

  private reserve(n: number, thresholds: number, trees: number): void {
    if (this.sorted.length < n) {
      this.sorted = new Float64Array(n);
      this.ranks = new Int32Array(n);
      this.pool = new Int32Array(n);
      this.picked = new Uint8Array(n);
      // One spare entry: drawSample writes one past the sample (branch-free) once it is complete.
      this.sample = new Float64Array(n + 1);
    }
    if (this.thresholds.length < thresholds) {
      this.thresholds = new Float64Array(thresholds);
      this.leaves = new Float64Array(thresholds + trees);
    }
    if (this.starts.length < trees + 1) this.starts = new Int32Array(trees + 1);
  }

  /** Fills `leafLengths` for the current psi and height limit. */
  private leafTable(): void {
    const { psi, maxDepth } = this;
    if (psi === this.leafPsi && maxDepth === this.leafDepth) return;
    this.leafLengths = new Float64Array((maxDepth + 1) * (psi + 1));
    for (let depth = 0; depth <= maxDepth; depth++) {
      for (let size = 0; size <= psi; size++) {
        this.leafLengths[depth * (psi + 1) + size] = leafPathLength(depth, size);
      }
    }
    this.leafPsi = psi;
    this.leafDepth = maxDepth;
  }

  /** `ranks`: for each value, its position in `sorted` (equal values get consecutive positions). */
  private rankValues(values: Float64Array): void {
    const { n, ranks, pool } = this;
    const sorted = this.sorted.subarray(0, n);
    // `pool` counts the values already ranked at each first position.
    pool.fill(0, 0, n);
    for (let i = 0; i < n; i++) {
      const first = lowerBound(sorted, values[i]!);
      ranks[i] = first + pool[first]!++;
    }
  }

  /**
   * The tree's subsample, sorted: the draw is exactly `rng.sample(n, psi)` (the dense Fisher-Yates of random.ts,
   * on a pool of ranks instead of indices: the same positions are picked), then the picked ranks are read in order.
   */
  private drawSample(): void {
    const { n, psi, pool, picked, ranks, sorted, sample } = this;
    for (let i = 0; i < n; i++) pool[i] = ranks[i]!;
    for (let i = 0; i < psi; i++) {
      const j = i + Math.floor(this.uniform() * (n - i));
      const rank = pool[j]!;
      pool[j] = pool[i]!;
      picked[rank] = 1;
    }
    let k = 0;
    for (let r = 0; r < n; r++) {
      // Branch-free: the marks are random, a branch on them would be mispredicted half the time.
      sample[k] = sorted[r]!;
      k += picked[r]!;
      picked[r] = 0;
    }
  }

  /** The next `rng.float()`. */
  private uniform(): number {
    if (this.nextUniform === UNIFORM_BATCH) {
      this.rng!.floats(this.uniforms);
      this.nextUniform = 0;
    }
    return this.uniforms[this.nextUniform++]!;
  }

  /** Node over sample[start, end): as TreeGrower.growSorted, emitting leaves and thresholds in order. */
  private grow(start: number, end: number, depth: number): void {
    const values = this.sample;
    const low = values[start]!;
    const high = values[end - 1]!;
    if (!(end - start > 1 && depth < this.maxDepth && low < high)) {
      this.leaf(this.leafLengths[depth * (this.psi + 1) + end - start]!);
      return;
    }
    const u = this.uniform();
    let threshold = (1 - u) * low + u * high;
    if (!(threshold >= low && threshold < high)) threshold = low;
    // First position above the threshold: in (start, end), as values[end - 1] = high > threshold. Branch-free
    // halving as in lowerBound (the comparisons are unpredictable); the candidates keep one above it last.
    let middle = start + 1;
    let length = end - middle;
    while (length > 1) {
      const half = length >>> 1;
      middle = values[middle + half - 1]! <= threshold ? middle + half : middle;
      length -= half;
    }
    this.grow(start, middle, depth + 1);
    this.thresholds[this.thresholdCount++] = threshold;
    this.grow(middle, end, depth + 1);
  }

  /** A leaf with path length h, after the threshold emitted last unless it is its tree's first. */
  private leaf(h: number): void {
    if (this.leafCount > this.treeLeaves && h === this.leaves[this.leafCount - 1]) {
      // Same length on both sides: the threshold changes nothing.
      this.thresholdCount--;
      return;
    }
    this.leaves[this.leafCount++] = h;
  }
}

const builder = new ForestBuilder();
