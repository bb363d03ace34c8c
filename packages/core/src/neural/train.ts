/**
 * Training of the autoencoder on a multivariate series (the reference trained on each sensor's last 24 h).
 *
 * Slices of `window` rows every `trainingStride` rows (plus one anchored at the end) of the first rows are the
 * training set; the last `validationSplit` of the rows are held out from the gradient steps to measure the
 * validation loss (when they fill at least one window). The feature spec (scaling ranges, which time encodings)
 * is fitted on all rows. Mini-batch Adam on the mean squared reconstruction error of the scaled metrics, slices
 * reshuffled each epoch by the seeded generator. Afterwards every row of the series is reconstructed and each
 * metric's threshold is k robust standard deviations of its reconstruction error (1.4826 x the median absolute
 * deviation). The reference's mean + k * std is kept in the metadata for comparison: training data holds
 * unlabelled anomalies too, and their few huge errors inflate a standard deviation (and so the band) several-fold,
 * where the median absolute deviation does not move. Each metric's time-of-day profile (level-profile.ts) is
 * stored too, for the level test at detection.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInputError } from '../errors.js';
import { robustScale } from '../metric/residual-verdict.js';
import type { MetricRow } from '../metric-detection.js';
import { validateMetricRows } from '../metric-rows.js';
import { Random } from '../random.js';
import { kSigma } from '../stats/k-sigma.js';
import { planWindows } from '../transform/windows.js';
import {
  type AutoencoderMetadata,
  AutoencoderModel,
  FORMAT_VERSION,
  type MetricThreshold,
  reconstruct,
} from './autoencoder.js';
import { initBackend } from './backend.js';
import { buildFeatures, type FeatureMatrix, featureNames, fitFeatureSpec } from './features.js';
import { fitLevelProfile } from './level-profile.js';
import { buildNetwork, latentUnits } from './network.js';
import { leadingColumns, windowBatch } from './slicing.js';

export interface TrainOptions {
  /** Metrics to model. @default every value of the first row, in its order */
  metrics?: string[];
  /** Rows per slice. @default 32 */
  window?: number;
  /** Rows between slice starts at detection (stored with the model). @default 16 */
  stride?: number;
  /**
   * Rows between training slice starts. Every position by default: the model then learns each phase of the
   * series (detection slices fall anywhere in the day) and gets ~stride times more gradient steps per epoch,
   * which is what makes 20 epochs enough (with the reference's stride 16 one day gives ~3 steps per epoch).
   * @default 1
   */
  trainingStride?: number;
  /** @default 20 */
  epochs?: number;
  /** Slices per gradient step. @default 32 */
  batchSize?: number;
  /** Threshold = k robust standard deviations of the training reconstruction error. @default 5 */
  k?: number;
  /** Seeds the weight initialisers and the shuffling. @default 0 */
  seed?: number;
  /** Fraction of rows, at the end, held out for the validation loss. @default 0.1 */
  validationSplit?: number;
  /** Adam's step size. @default 0.001 */
  learningRate?: number;
  /** Identifies the training run in the metadata. @default the creation time */
  version?: string;
}

/**
 * Errors below this (in scaled units, i.e. 0.01 % of a metric's training range in log space) never flag: a metric
 * reconstructed perfectly in training (e.g. constant) would otherwise flag float rounding.
 */
export const MIN_THRESHOLD = 1e-4;

const DEFAULTS = {
  window: 32,
  stride: 16,
  trainingStride: 1,
  epochs: 20,
  batchSize: 32,
  k: 5,
  seed: 0,
  validationSplit: 0.1,
  learningRate: 1e-3,
};

type ResolvedOptions = typeof DEFAULTS & { metrics: string[]; version: string | undefined };

function resolveOptions(rows: readonly MetricRow[], options: TrainOptions): ResolvedOptions {
  const o = { ...DEFAULTS, ...withoutUndefined(options) };
  const integer = (name: keyof typeof DEFAULTS, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const v = o[name];
    if (!(Number.isSafeInteger(v) && v >= min && v <= max)) {
      throw new InvalidInputError(name, `expected an integer in [${min}, ${max}], got ${String(v)}`);
    }
  };
  integer('window', 2, 4096);
  integer('stride', 1, o.window);
  integer('trainingStride', 1, o.window);
  integer('epochs', 1, 10_000);
  integer('batchSize', 1);
  integer('seed', Number.MIN_SAFE_INTEGER);
  if (!(Number.isFinite(o.k) && o.k > 0))
    throw new InvalidInputError('k', `expected a positive number, got ${o.k}`);
  if (!(o.validationSplit >= 0 && o.validationSplit < 0.5)) {
    throw new InvalidInputError('validationSplit', `expected a number in [0, 0.5), got ${o.validationSplit}`);
  }
  if (!(Number.isFinite(o.learningRate) && o.learningRate > 0)) {
    throw new InvalidInputError('learningRate', `expected a positive number, got ${o.learningRate}`);
  }
  if (!Array.isArray(rows) || rows.length === 0)
    throw new InvalidInputError('rows', 'expected a non-empty array of rows');
  const metrics = options.metrics ?? Object.keys(rows[0]?.values ?? {});
  if (!Array.isArray(metrics) || metrics.length === 0 || new Set(metrics).size !== metrics.length) {
    throw new InvalidInputError('metrics', 'expected a non-empty list of distinct metric names');
  }
  return { ...o, metrics, version: options.version };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The rows [from, to) of a matrix. */
function rowRange(matrix: FeatureMatrix, from: number, to: number): FeatureMatrix {
  return {
    data: matrix.data.subarray(from * matrix.width, to * matrix.width),
    rows: to - from,
    width: matrix.width,
  };
}

/** Network inputs (all columns) and targets (metric columns) of the slices of `matrix`. */
function slicesOf(matrix: FeatureMatrix, metricCount: number, window: number, stride: number) {
  const plan = planWindows(matrix.rows, window, stride);
  const targets: FeatureMatrix = {
    data: leadingColumns(matrix, metricCount),
    rows: matrix.rows,
    width: metricCount,
  };
  return {
    count: plan.starts.length,
    inputs: windowBatch(matrix, plan),
    targets: windowBatch(targets, plan),
  };
}

/**
 * Trains an autoencoder on `rows` (time order, at least `window` rows) and derives its per-metric thresholds.
 * @throws {InvalidInputError} naming the field for bad rows (empty, missing or non-finite metric, unordered
 * times, fewer rows than the window) or options.
 */
export async function trainModel(
  rows: readonly MetricRow[],
  options: TrainOptions = {},
): Promise<AutoencoderModel> {
  const o = resolveOptions(rows, options);
  validateMetricRows(rows, o.metrics);
  if (rows.length < o.window) {
    throw new InvalidInputError(
      'rows',
      `needs at least window = ${o.window} rows to train, got ${rows.length}`,
    );
  }
  const backend = await initBackend();
  const metricCount = o.metrics.length;
  const spec = fitFeatureSpec(rows, o.metrics);
  const features = buildFeatures(rows, spec);

  let validationRows = Math.floor(rows.length * o.validationSplit);
  if (validationRows < o.window || rows.length - validationRows < o.window) validationRows = 0;
  const trainEnd = rows.length - validationRows;
  const train = slicesOf(rowRange(features, 0, trainEnd), metricCount, o.window, o.trainingStride);
  const inputSize = o.window * features.width;
  const outputSize = o.window * metricCount;

  const latent = latentUnits(o.window, metricCount);
  const network = buildNetwork(
    { window: o.window, inputWidth: features.width, outputWidth: metricCount, latent },
    o.seed,
    o.learningRate,
  );
  const xs = tf.tensor2d(train.inputs, [train.count, inputSize]);
  const ys = tf.tensor2d(train.targets, [train.count, outputSize]);
  let validationData: [tf.Tensor, tf.Tensor] | undefined;
  if (validationRows > 0) {
    const held = slicesOf(rowRange(features, trainEnd, rows.length), metricCount, o.window, o.stride);
    validationData = [
      tf.tensor2d(held.inputs, [held.count, inputSize]),
      tf.tensor2d(held.targets, [held.count, outputSize]),
    ];
  }
  const random = new Random(o.seed);
  let trainingLoss = Number.NaN;
  let validationLoss: number | null = null;
  try {
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      // TF.js shuffles with Math.random; a seeded permutation keeps training reproducible.
      const order = tf.tensor1d(random.sample(train.count, train.count), 'int32');
      const [x, y] = [tf.gather(xs, order), tf.gather(ys, order)];
      const history = await network.fit(x, y, {
        batchSize: o.batchSize,
        epochs: 1,
        shuffle: false,
        verbose: 0,
        ...(validationData ? { validationData } : {}),
      });
      tf.dispose([order, x, y]);
      trainingLoss = history.history.loss![0] as number;
      validationLoss = validationData ? (history.history.val_loss![0] as number) : null;
    }
  } finally {
    tf.dispose([xs, ys, ...(validationData ?? [])]);
  }

  const scaled = leadingColumns(features, metricCount);
  const reconstructed = reconstruct(network, features, metricCount, o.window, o.stride);
  const thresholds: Record<string, MetricThreshold> = {};
  o.metrics.forEach((metric, m) => {
    const signed = new Float64Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      signed[r] = scaled[r * metricCount + m]! - reconstructed[r * metricCount + m]!;
    }
    const { mean, std } = kSigma(
      signed.map((e) => Math.abs(e)),
      o.k,
    );
    const scale = robustScale(signed);
    thresholds[metric] = { mean, std, scale, threshold: Math.max(o.k * scale, MIN_THRESHOLD) };
  });

  const createdAt = new Date().toISOString();
  const metadata: AutoencoderMetadata = {
    formatVersion: FORMAT_VERSION,
    version: o.version ?? createdAt,
    createdAt,
    metrics: o.metrics,
    features: spec,
    featureNames: featureNames(spec),
    window: o.window,
    stride: o.stride,
    trainingStride: o.trainingStride,
    k: o.k,
    latent,
    thresholds,
    levels: fitLevelProfile(
      rows.map((row) => row.time),
      scaled,
      metricCount,
    ),
    loss: { training: trainingLoss, validation: validationLoss, epochs: o.epochs, batchSize: o.batchSize },
    dataRange: {
      from: new Date(rows[0]!.time).toISOString(),
      to: new Date(rows[rows.length - 1]!.time).toISOString(),
      rows: rows.length,
      validationRows,
    },
    seed: o.seed,
    backend,
  };
  return new AutoencoderModel(network, metadata);
}
