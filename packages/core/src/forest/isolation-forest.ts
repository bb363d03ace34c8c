/**
 * Isolation Forest (Liu, Ting & Zhou, "Isolation Forest", ICDM 2008; TKDD 2012): anomalies are few and
 * different, so random axis-parallel splits isolate them in fewer steps. Each of `trees` trees is grown on a
 * subsample of psi = min(sampleSize, n) rows drawn without replacement, up to the height limit
 * ceil(log2 psi); a point's score is s(x) = 2^(-E[h(x)] / c(psi)) in (0, 1], higher = more anomalous (see
 * `anomalyScore`). Matches scikit-learn's IsolationForest(n_estimators=trees, max_samples=sampleSize)
 * .score_samples(X) up to sign (sklearn returns -s) and randomness.
 *
 * Univariate forests also build a step function of x (step-function.ts), so scoring costs one binary search
 * over the split thresholds, whatever the number of trees.
 *
 * Seeded and deterministic. `toJSON` stores the options and the training rows the trees were grown from (at
 * most `maxTrainingRows`), not the trees: `fromJSON` regrows the identical forest, so a saved forest costs
 * kilobytes.
 *
 * @example
 * const forest = new IsolationForest({ seed: 1 }).fit([1, 2, 3, 2, 1, 2, 3, 2, 50]);
 * forest.scoreOne(50) > forest.scoreOne(2); // true
 */
import { InvalidInputError } from '../errors.js';
import { Random } from '../random.js';
import { anomalyScorer } from './average-path-length.js';
import {
  addPathLengths as addTreePathLengths,
  MAX_FEATURES,
  MAX_TREE_DEPTH,
  MAX_TREES,
  pathLength,
  type Rows,
  TreeGrower,
  type TreeNodes,
} from './isolation-tree.js';
import { type ForestInput, finite, isUnivariate, notFinite, toRows } from './rows.js';
import { StepFunction } from './step-function.js';

export interface IsolationForestOptions {
  /** Number of trees. @default 100 */
  trees?: number;
  /** Subsample size psi of each tree; min(sampleSize, training rows) is used. @default 256 */
  sampleSize?: number;
  /** PRNG seed (safe integer), e.g. `hashSeed('station/variable')` from random.ts. */
  seed: number;
  /** Height limit of the trees. @default ceil(log2(max(psi, 2))), as in the paper and scikit-learn */
  maxDepth?: number;
  /**
   * Training rows kept: when `fit` gets more, it keeps this many drawn uniformly without replacement (in
   * their original order), and every tree draws its subsample from those. They are what `toJSON` stores.
   * @default 4 * sampleSize
   */
  maxTrainingRows?: number;
}

/** `toJSON()` output, accepted by `IsolationForest.fromJSON`. */
export interface IsolationForestJSON {
  kind: 'isolation-forest';
  formatVersion: 1;
  options: IsolationForestOptions;
  /** Features per row. */
  dimensions: number;
  /** The training rows the trees were grown from, row-major (`dimensions` values per row). */
  rows: number[];
}

const FORMAT_VERSION = 1;
/** Independent PRNG streams of one seed: the draw of the kept training rows, and tree growth. */
const TRAINING_ROWS_STREAM = 1;
const TREE_STREAM = 2;
/**
 * Rows scored together tree by tree (multivariate): their data, 256 rows x a few features, stays in L1/L2.
 */
const ROW_BLOCK = 256;

/** The trees of a forest: all nodes in one `TreeNodes`, tree t rooted at `roots[t]`. */
interface Trees {
  nodes: TreeNodes;
  roots: Int32Array;
}

interface Fitted {
  training: Rows;
  /** Univariate forests score with the step function alone: they drop the trees and regrow them on demand. */
  trees: Trees | null;
  nodeCount: number;
  subsampleSize: number;
  /**
   * s(x) from the sum of h(x) over the trees: the one formula both scoring paths use, so they agree exactly.
   */
  scoreOfSum: (pathLengthSum: number) => number;
  /** Univariate forests only. */
  stepFunction: StepFunction | null;
}

export class IsolationForest {
  readonly trees: number;
  readonly sampleSize: number;
  readonly seed: number;
  readonly maxDepth: number | undefined;
  readonly maxTrainingRows: number;
  private fitted: Fitted | null = null;
  /** scoreOne's path length sum (multivariate), kept to avoid an allocation per call. */
  private readonly oneSum = new Float64Array(1);

  /** @throws {InvalidInputError} naming the option that is out of range. */
  constructor(options: IsolationForestOptions) {
    if (options == null || typeof options !== 'object') {
      throw new InvalidInputError('options', 'expected an object with at least a seed');
    }
    this.trees = integerOption('trees', options.trees ?? 100, 1, MAX_TREES);
    this.sampleSize = integerOption('sampleSize', options.sampleSize ?? 256, 1, 2 ** 30);
    if (!Number.isSafeInteger(options.seed)) {
      throw new InvalidInputError('seed', `expected a safe integer, got ${String(options.seed)}`);
    }
    this.seed = options.seed;
    this.maxDepth =
      options.maxDepth === undefined
        ? undefined
        : integerOption('maxDepth', options.maxDepth, 1, MAX_TREE_DEPTH);
    this.maxTrainingRows = integerOption(
      'maxTrainingRows',
      options.maxTrainingRows ?? 4 * this.sampleSize,
      1,
      2 ** 30,
    );
  }

  /**
   * Grows the forest on `rows`: numbers (univariate) or rows of numbers (multivariate). Replaces any earlier
   * fit.
   * @throws {InvalidInputError} `rows` when empty, ragged, wider than 65535 features or not finite.
   */
  fit(rows: ForestInput): this {
    const all = toRows('rows', rows);
    if (all.dims > MAX_FEATURES) {
      throw new InvalidInputError('rows', `at most ${MAX_FEATURES} features per row, got ${all.dims}`);
    }
    let training = all;
    if (all.count > this.maxTrainingRows) {
      const kept = new Random(this.seed, TRAINING_ROWS_STREAM).sample(all.count, this.maxTrainingRows).sort();
      training = selectRows(all, kept);
    }
    this.fitted = this.grow(training);
    return this;
  }

  /**
   * Anomaly scores s(x) in (0, 1] of `rows` (same shape as the training rows; univariate forests also take
   * single-value rows). O(log B) per point for univariate forests, O(trees * depth) otherwise.
   * @throws {InvalidInputError} `forest` when not fitted; `rows` when empty, not finite or of another
   * dimension.
   */
  score(rows: ForestInput): Float64Array {
    const fitted = this.requireFitted();
    const { stepFunction } = fitted;
    if (stepFunction !== null && rows != null && isUnivariate(rows)) {
      const count = rows.length;
      const scores = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const x = rows[i]!;
        // Number.isFinite is also false for non-numbers.
        if (!Number.isFinite(x)) throw notFinite('rows', x, i);
        scores[i] = stepFunction.at(x);
      }
      return scores;
    }
    const { data, count, dims } = toRows('rows', rows, fitted.training.dims);
    const scores = new Float64Array(count);
    if (stepFunction !== null) {
      for (let i = 0; i < count; i++) scores[i] = stepFunction.at(data[i]!);
    } else {
      const sums = new Float64Array(count);
      // Tree by tree over blocks of rows, so a tree stays in cache while the block walks it; each row still
      // sums its path lengths in tree order, as scoreOne does.
      for (let start = 0; start < count; start += ROW_BLOCK) {
        this.addPathLengths(fitted, data, dims, start, Math.min(count, start + ROW_BLOCK), sums);
      }
      for (let r = 0; r < count; r++) scores[r] = fitted.scoreOfSum(sums[r]!);
    }
    return scores;
  }

  /**
   * Score of one point: a number for univariate forests, or a row. For streams; no allocation.
   * @throws {InvalidInputError} `forest` when not fitted; `x` when not finite or of another dimension.
   */
  scoreOne(x: number | ArrayLike<number>): number {
    const fitted = this.requireFitted();
    const { stepFunction } = fitted;
    if (stepFunction !== null && typeof x === 'number') return stepFunction.at(finite('x', x, 0));
    const row = checkedPoint(x, fitted.training.dims);
    if (stepFunction !== null) return stepFunction.at(row[0]!);
    const sum = this.oneSum;
    sum[0] = 0;
    this.addPathLengths(fitted, row, 0, 0, 1, sum);
    return fitted.scoreOfSum(sum[0]!);
  }

  /**
   * E[h(x)], the path length of `x` averaged over the trees, by walking every tree (the reference computation
   * that the univariate step function must agree with). `anomalyScore(expectedPathLength(x), subsampleSize)`
   * equals `scoreOne(x)` exactly.
   */
  expectedPathLength(x: number | ArrayLike<number>): number {
    const fitted = this.requireFitted();
    const { nodes, roots } = this.treesOf(fitted);
    const row = checkedPoint(x, fitted.training.dims);
    let sum = 0;
    for (let t = 0; t < roots.length; t++) sum += pathLength(nodes, roots[t]!, row, 0);
    return sum / this.trees;
  }

  get isFitted(): boolean {
    return this.fitted !== null;
  }

  /** Features per row of the training data. */
  get dimensions(): number {
    return this.requireFitted().training.dims;
  }

  /** psi, the number of rows each tree was grown on. */
  get subsampleSize(): number {
    return this.requireFitted().subsampleSize;
  }

  /** Nodes of all trees. */
  get nodeCount(): number {
    return this.requireFitted().nodeCount;
  }

  /** Breakpoints of the univariate step function (0 for multivariate forests). */
  get breakpointCount(): number {
    return this.requireFitted().stepFunction?.size ?? 0;
  }

  /**
   * The step function of a univariate forest: its scores as a table of x, all a streaming scorer needs to
   * keep (the forest itself, with its training rows, can then be dropped).
   * @throws {InvalidInputError} `forest` when not fitted or multivariate.
   */
  get stepFunction(): StepFunction {
    const { stepFunction } = this.requireFitted();
    if (stepFunction === null)
      throw new InvalidInputError('forest', 'a multivariate forest has no step function');
    return stepFunction;
  }

  /** Typed-array bytes held: training rows, then trees (multivariate) or step function (univariate). */
  get byteLength(): number {
    const { training, trees, stepFunction } = this.requireFitted();
    const nodes = trees?.nodes;
    return (
      training.data.byteLength +
      (nodes ? nodes.left.byteLength + nodes.feature.byteLength + nodes.value.byteLength : 0) +
      (stepFunction?.byteLength ?? 0)
    );
  }

  /** Options and training rows; `IsolationForest.fromJSON` regrows the identical forest from them. */
  toJSON(): IsolationForestJSON {
    const { training } = this.requireFitted();
    const options: IsolationForestOptions = {
      trees: this.trees,
      sampleSize: this.sampleSize,
      seed: this.seed,
      maxTrainingRows: this.maxTrainingRows,
    };
    if (this.maxDepth !== undefined) options.maxDepth = this.maxDepth;
    return {
      kind: 'isolation-forest',
      formatVersion: FORMAT_VERSION,
      options,
      dimensions: training.dims,
      rows: Array.from(training.data),
    };
  }

  /**
   * Rebuilds a forest saved by `toJSON` (also after JSON.stringify/parse): same trees, same scores.
   * @throws {InvalidInputError} `json` (or the option) when it is not a saved isolation forest.
   */
  static fromJSON(json: unknown): IsolationForest {
    if (json == null || typeof json !== 'object') throw new InvalidInputError('json', 'expected an object');
    const saved = json as Partial<IsolationForestJSON>;
    if (saved.kind !== 'isolation-forest') {
      throw new InvalidInputError('json.kind', `expected 'isolation-forest', got ${String(saved.kind)}`);
    }
    if (saved.formatVersion !== FORMAT_VERSION) {
      throw new InvalidInputError('json.formatVersion', `unsupported version ${String(saved.formatVersion)}`);
    }
    const forest = new IsolationForest(saved.options as IsolationForestOptions);
    const dims = saved.dimensions;
    if (!(Number.isInteger(dims) && dims! >= 1 && dims! <= MAX_FEATURES)) {
      throw new InvalidInputError('json.dimensions', `expected an integer in [1, ${MAX_FEATURES}]`);
    }
    const values = saved.rows;
    if (!Array.isArray(values) || values.length === 0 || values.length % dims! !== 0) {
      throw new InvalidInputError('json.rows', `expected a non-empty array of rows of ${dims} numbers`);
    }
    const data = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) data[i] = finite('json.rows', values[i], i);
    forest.fitted = forest.grow({ data, count: values.length / dims!, dims: dims! });
    return forest;
  }

  /** Grows the trees on the kept training rows: a deterministic function of them and the options. */
  private grow(training: Rows): Fitted {
    const subsampleSize = Math.min(this.sampleSize, training.count);
    const trees = this.growTrees(training, subsampleSize);
    const score = anomalyScorer(subsampleSize);
    const count = this.trees;
    const scoreOfSum = (sum: number): number => score(sum / count);
    const univariate = training.dims === 1;
    return {
      training,
      trees: univariate ? null : trees,
      nodeCount: trees.nodes.count,
      subsampleSize,
      scoreOfSum,
      stepFunction: univariate ? StepFunction.ofForest(trees.nodes, trees.roots, scoreOfSum) : null,
    };
  }

  private growTrees(training: Rows, subsampleSize: number): Trees {
    const maxDepth = this.maxDepth ?? Math.ceil(Math.log2(Math.max(subsampleSize, 2)));
    const rng = new Random(this.seed, TREE_STREAM);
    const capacity = Math.min(this.trees * (2 * subsampleSize - 1), 1 << 16);
    const grower = new TreeGrower(training, rng, maxDepth, capacity);
    const roots = new Int32Array(this.trees);
    // When every tree takes all rows, their order does not matter: one index array serves all trees.
    const everyRow =
      subsampleSize === training.count ? Int32Array.from({ length: subsampleSize }, (_, i) => i) : null;
    for (let t = 0; t < this.trees; t++) {
      roots[t] = grower.grow(everyRow ?? rng.sample(training.count, subsampleSize));
    }
    return { nodes: grower.trimmed(), roots };
  }

  /** The fitted trees, regrown (identically, from the same rows and seed) if they were dropped. */
  private treesOf(fitted: Fitted): Trees {
    fitted.trees ??= this.growTrees(fitted.training, fitted.subsampleSize);
    return fitted.trees;
  }

  /**
   * Adds to `sums[r]` the path lengths, tree by tree in tree order, of the rows r in [start, end) of the
   * row-major `data`.
   */
  private addPathLengths(
    fitted: Fitted,
    data: ArrayLike<number>,
    dims: number,
    start: number,
    end: number,
    sums: Float64Array,
  ): void {
    const { nodes, roots } = this.treesOf(fitted);
    for (let t = 0; t < roots.length; t++) addTreePathLengths(nodes, roots[t]!, data, dims, start, end, sums);
  }

  private requireFitted(): Fitted {
    if (this.fitted === null) throw new InvalidInputError('forest', 'not fitted: call fit() first');
    return this.fitted;
  }
}

function integerOption(name: string, value: number, min: number, max: number): number {
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    throw new InvalidInputError(name, `expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

/** `x` as a checked row of `dims` finite values (a bare number is a one-value row). */
function checkedPoint(x: number | ArrayLike<number>, dims: number): ArrayLike<number> {
  if (typeof x === 'number') {
    if (dims !== 1) throw new InvalidInputError('x', `expected a row of ${dims} values, got a number`);
    finite('x', x, 0);
    return [x];
  }
  if (x == null || x.length !== dims) {
    throw new InvalidInputError(
      'x',
      `expected a row of ${dims} values, got ${x == null ? String(x) : x.length}`,
    );
  }
  for (let f = 0; f < dims; f++) finite('x', x[f], f);
  return x;
}

function selectRows(rows: Rows, kept: Int32Array): Rows {
  const { data, dims } = rows;
  const selected = new Float64Array(kept.length * dims);
  for (let i = 0; i < kept.length; i++) {
    selected.set(data.subarray(kept[i]! * dims, (kept[i]! + 1) * dims), i * dims);
  }
  return { data: selected, count: kept.length, dims };
}
