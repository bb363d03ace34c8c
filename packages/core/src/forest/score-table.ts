/**
 * A univariate Isolation Forest fitted straight into a compact score table, for streaming detectors that refit
 * often and are kept by the tens of thousands.
 *
 * `fitScoreTable(values, options)` grows exactly the trees `new IsolationForest(options).fit(values)` grows
 * (same PRNG stream, same subsamples, same thresholds in the same order; see isolation-tree.ts) and returns the
 * step function of its score (see step-function.ts), but:
 * - it never materialises nodes: each tree is grown over its sorted subsample and emits, in order, its
 *   thresholds with the change in path length across each; the per-tree runs, already sorted, are merged
 *   pairwise (O(N log trees) for N thresholds) instead of sorted and binary-searched;
 * - the table is stored in float32: breakpoints relative to the training minimum (so their resolution is 2^-24
 *   of the data's spread, not of its magnitude) and mean path lengths (relative resolution 6e-8), turned into a
 *   score only when one is looked up: a fit makes hundreds of steps and a detector looks up one or two before the
 *   next fit, so the exponential is not taken per step (it was a third of the fit). Where neighbouring float32
 *   path lengths are equal the breakpoint is dropped. 8 bytes per breakpoint: about 2.7 KiB for 16 trees on 64
 *   samples.
 *
 * Scores equal `forest.scoreOne(x)` up to the float32 rounding of the mean path length (relative error below
 * 1e-7), except within float32 rounding of a breakpoint.
 */
import { Random } from '../random.js';
import { anomalyScorer } from './average-path-length.js';
import { leafPathLength } from './isolation-tree.js';
import { lowerBound } from './step-function.js';

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
/** Uniform draws made at a time: a fit takes about 2 psi per tree. */
const UNIFORM_BATCH = 128;

export class ScoreTable {
  /**
   * @param origin subtracted from x before the lookup (the training minimum)
   * @param breakpoints increasing thresholds relative to `origin`
   * @param lengths breakpoints + 1 mean path lengths: `lengths[k]` holds on (b_{k-1}, b_k]
   * @param score the anomaly score of a mean path length (anomalyScorer of the subsample size)
   */
  constructor(
    readonly origin: number,
    readonly breakpoints: Float32Array,
    readonly lengths: Float32Array,
    private readonly score: (meanPathLength: number) => number,
  ) {}

  /** The score at x. */
  at(x: number): number {
    return this.score(this.lengths[lowerBound(this.breakpoints, x - this.origin)]!);
  }

  get size(): number {
    return this.breakpoints.length;
  }

  get byteLength(): number {
    return this.breakpoints.byteLength + this.lengths.byteLength;
  }
}

/**
 * Fits a univariate Isolation Forest on `values` (finite, at least one; the caller checks) into a ScoreTable.
 * O(trees * psi log psi); allocates nothing but the table (scratch buffers are kept between fits).
 */
export function fitScoreTable(values: Float64Array, options: ScoreTableOptions): ScoreTable {
  const psi = Math.min(options.sampleSize, values.length);
  builder.start(values, psi, options.trees, new Random(options.seed, TREE_STREAM));
  for (let t = 0; t < options.trees; t++) builder.growTree();
  return builder.table(anomalyScorer(psi));
}

/**
 * Grows the trees of one fit and turns them into a table, in buffers reused by every fit (fits run one at a
 * time: nothing here is shared across an await).
 *
 * Thresholds are sorted by counting sort rather than comparison: a threshold t of a split lies in exactly one gap
 * between consecutive training values, `bucket` = the number of training values <= t, found by a short scan
 * from the split's left neighbour. Buckets are ordered intervals, so sorting each one (a few thresholds, by
 * insertion) sorts them all: O(N + n) for N thresholds and n values instead of O(N log trees).
 */
class ForestBuilder {
  /** All training values, sorted. */
  private sorted = new Float64Array(0);
  /** The current tree's sample values, sorted, and their ranks in `sorted`. */
  private sample = new Float64Array(0);
  private sampleRanks = new Int32Array(0);
  /** Rank in `sorted` of each training value (as indexed in the input). */
  private ranks = new Int32Array(0);
  /** Fisher-Yates pool of the subsample draw, and the marks of the picked ranks. */
  private pool = new Int32Array(0);
  private picked = new Uint8Array(0);
  /** Emitted thresholds, with the path length change across each and its bucket, in emission order. */
  private keys = new Float64Array(0);
  private deltas = new Float64Array(0);
  private buckets = new Int32Array(0);
  /** Thresholds per bucket, then the bucket starts; the thresholds in sorted order. */
  private bucketStarts = new Int32Array(0);
  private sortedKeys = new Float64Array(0);
  private sortedDeltas = new Float64Array(0);
  /** The table being built: breakpoints and mean path lengths, copied out at their final size. */
  private float32Keys = new Float32Array(0);
  private float32Lengths = new Float32Array(1);
  /** Leaf path length h at `depth * (psi + 1) + size` (leafPathLength is a log and a rounding). */
  private leafLengths = new Float64Array(0);
  private leafPsi = -1;
  private leafDepth = -1;
  private n = 0;
  private psi = 0;
  private trees = 0;
  private maxDepth = 0;
  private count = 0;
  private treeStart = 0;
  /** Summed path length of the leftmost leaves (the value below every threshold). */
  private base = 0;
  private previousLeaf = 0;
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
    this.reserve(n, trees * Math.max(psi - 1, 0));
    this.leafTable();
    const sorted = this.sorted.subarray(0, n);
    sorted.set(values);
    sorted.sort();
    if (psi === n) {
      // Every tree takes all values: its sample is `sorted` itself.
      this.sample.set(sorted);
      for (let i = 0; i < n; i++) this.sampleRanks[i] = i;
    } else {
      this.rankValues(values);
    }
    this.bucketStarts.fill(0, 0, n + 2);
    this.count = 0;
    this.base = 0;
    this.nextUniform = UNIFORM_BATCH;
  }

  /** Grows the next tree as TreeGrower does (same draws, same thresholds), emitting its thresholds. */
  growTree(): void {
    if (this.psi < this.n) this.drawSample();
    this.treeStart = this.count;
    this.grow(0, this.psi, 0);
  }

  /**
   * Sorts the thresholds by bucket and key, then turns running path length sums into float32 mean path lengths:
   * breakpoints relative to the training minimum.
   */
  table(score: (meanPathLength: number) => number): ScoreTable {
    this.sortThresholds();
    const { sortedKeys: keys, sortedDeltas: deltas, count, trees } = this;
    const origin = this.sorted[0]!;
    const breakpoints = this.float32Keys;
    const lengths = this.float32Lengths;
    let sum = this.base;
    lengths[0] = sum / trees;
    let previousSum = sum;
    let kept = 0;
    for (let i = 0; i < count; i++) {
      sum += deltas[i]!;
      // Several trees may split at one threshold: only the sum after the last counts. An unchanged sum gives
      // the same length as the last kept one.
      if ((i + 1 < count && keys[i + 1] === keys[i]) || sum === previousSum) continue;
      previousSum = sum;
      const value = Math.fround(sum / trees);
      if (value === lengths[kept]) continue;
      const at = Math.fround(keys[i]! - origin);
      // A breakpoint that float32 cannot tell from the previous one bounds an empty interval: replace it.
      if (kept > 0 && at === breakpoints[kept - 1]) kept--;
      breakpoints[kept] = at;
      lengths[++kept] = value;
    }
    return new ScoreTable(origin, breakpoints.slice(0, kept), lengths.slice(0, kept + 1), score);
  }

  private reserve(n: number, thresholds: number): void {
    if (this.sorted.length < n) {
      this.sorted = new Float64Array(n);
      this.ranks = new Int32Array(n);
      this.pool = new Int32Array(n);
      this.picked = new Uint8Array(n);
      this.bucketStarts = new Int32Array(n + 2);
      // One spare entry: drawSample writes one past the sample (branch-free) once it is complete.
      this.sample = new Float64Array(n + 1);
      this.sampleRanks = new Int32Array(n + 1);
    }
    if (this.keys.length < thresholds) {
      this.keys = new Float64Array(thresholds);
      this.deltas = new Float64Array(thresholds);
      this.buckets = new Int32Array(thresholds);
      this.sortedKeys = new Float64Array(thresholds);
      this.sortedDeltas = new Float64Array(thresholds);
      this.float32Keys = new Float32Array(thresholds);
      this.float32Lengths = new Float32Array(thresholds + 1);
    }
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
   * The tree's subsample, sorted with its ranks: the draw is exactly `rng.sample(n, psi)` (the dense
   * Fisher-Yates of random.ts, on a pool of ranks instead of indices: the same positions are picked), then
   * the picked ranks are read in order.
   */
  private drawSample(): void {
    const { n, psi, pool, picked, ranks, sorted, sample, sampleRanks } = this;
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
      sampleRanks[k] = r;
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
    this.emit(threshold, this.sampleRanks[middle - 1]!);
    this.grow(middle, end, depth + 1);
  }

  /** Records a threshold above the training value of rank `below`, in its bucket. */
  private emit(threshold: number, below: number): void {
    const sorted = this.sorted;
    // The values between the split's neighbours that the tree did not sample: usually none or a few.
    let bucket = below + 1;
    while (sorted[bucket]! <= threshold) bucket++;
    this.keys[this.count] = threshold;
    this.buckets[this.count++] = bucket;
    this.bucketStarts[bucket + 1]!++;
  }

  /** A leaf with path length h: the first of its tree adds to the base, later ones follow a threshold. */
  private leaf(h: number): void {
    if (this.count > this.treeStart) this.deltas[this.count - 1] = h - this.previousLeaf;
    else this.base += h;
    this.previousLeaf = h;
  }

  /** Counting sort of the thresholds (with their deltas) by bucket, then an insertion sort. */
  private sortThresholds(): void {
    const { n, count, keys, deltas, buckets, bucketStarts, sortedKeys, sortedDeltas } = this;
    for (let b = 1; b <= n + 1; b++) bucketStarts[b]! += bucketStarts[b - 1]!;
    // bucketStarts[b] is now where bucket b starts; each advances as it fills.
    for (let i = 0; i < count; i++) {
      const at = bucketStarts[buckets[i]!]!++;
      sortedKeys[at] = keys[i]!;
      sortedDeltas[at] = deltas[i]!;
    }
    // Buckets hold disjoint increasing intervals, so this only moves thresholds within their bucket.
    for (let i = 1; i < count; i++) {
      const key = sortedKeys[i]!;
      if (!(key < sortedKeys[i - 1]!)) continue;
      const delta = sortedDeltas[i]!;
      let j = i - 1;
      do {
        sortedKeys[j + 1] = sortedKeys[j]!;
        sortedDeltas[j + 1] = sortedDeltas[j]!;
        j--;
      } while (j >= 0 && sortedKeys[j]! > key);
      sortedKeys[j + 1] = key;
      sortedDeltas[j + 1] = delta;
    }
  }
}

const builder = new ForestBuilder();
