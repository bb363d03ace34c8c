/**
 * A trained autoencoder model and its detection: reconstruct every row from the slices that contain it, compare
 * each metric with its reconstruction in scaled space, and flag the metrics whose error passes their k-sigma
 * threshold from training.
 *
 * Per row t and metric m (scaled values y, reconstruction ŷ averaged over the overlapping slices; when a first
 * pass flags values, ŷ comes from a second pass with those values replaced by their reconstruction):
 *   error e(t, m) = |y(t, m) - ŷ(t, m)|,   threshold T(m) = mean + k * std of e(., m) over the training rows
 *   expected = unscale(ŷ), band = [unscale(ŷ - T), unscale(ŷ + T)]   (unscale is increasing, so lower <= upper)
 *   score = max over m of e / T;  anomalous when score > 1;  exceeded = the metrics with e > T
 * Because the scaling is monotonic, "e > T" is exactly "the observed value is outside [lower, upper]".
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInputError } from '../errors.js';
import type { MetricDetection, MetricPoint, MetricRow } from '../metric-detection.js';
import { validateMetricRows } from '../metric-rows.js';
import { planWindows, type WindowPlan } from '../transform/windows.js';
import { initBackend } from './backend.js';
import {
  buildFeatures,
  type FeatureMatrix,
  type FeatureSpec,
  saturateMetrics,
  unscaleMetric,
} from './features.js';
import {
  decodeNetwork,
  encodeJson,
  encodeNetwork,
  METADATA_JSON,
  MODEL_JSON,
  type ModelFiles,
  parseJson,
  WEIGHTS_BIN,
} from './model-files.js';
import { averageBatch, leadingColumns, padToWindow, windowBatch } from './slicing.js';

/** Version of the model files' layout (model.json + weights.bin + metadata.json); bump on incompatible change. */
export const FORMAT_VERSION = 1;

/** Reconstruction-error statistics of one metric on the training rows (scaled space). */
export interface MetricThreshold {
  mean: number;
  std: number;
  /** mean + k * std, floored at MIN_THRESHOLD. */
  threshold: number;
}

/** Everything needed besides the weights to use a model, and what it was trained on; stored as metadata.json. */
export interface AutoencoderMetadata {
  formatVersion: number;
  /** Identifies this training run (defaults to createdAt). */
  version: string;
  createdAt: string;
  metrics: string[];
  features: FeatureSpec;
  /** Column names of the network's input rows, metrics first. */
  featureNames: string[];
  window: number;
  stride: number;
  trainingStride: number;
  k: number;
  latent: number;
  thresholds: Record<string, MetricThreshold>;
  loss: { training: number; validation: number | null; epochs: number; batchSize: number };
  dataRange: { from: string; to: string; rows: number; validationRows: number };
  seed: number;
  /** TF.js backend the model was trained on. */
  backend: string;
}

/** Network outputs for the windows of a (padded) feature matrix. */
interface WindowOutputs {
  plan: WindowPlan;
  /** Rows of padding before the series (series shorter than the window). */
  padding: number;
  /** Per window, `window x metricCount` reconstructed values, in plan order. */
  outputs: Float32Array;
}

/**
 * Runs the network on the given windows of `plan` in one predict call (one batch: TF.js would otherwise split
 * it into batches of 32) and returns their outputs, in the order given.
 */
function predictWindows(network: tf.LayersModel, matrix: FeatureMatrix, plan: WindowPlan, starts: number[]) {
  const batch = windowBatch(matrix, { ...plan, starts });
  const output = tf.tidy(() => {
    const input = tf.tensor2d(batch, [starts.length, plan.length * matrix.width]);
    return network.predict(input, { batchSize: starts.length }) as tf.Tensor;
  });
  // Read outside tidy: tidy walks whatever its callback returns, element by element for a typed array.
  const values = output.dataSync() as Float32Array;
  output.dispose();
  return values;
}

/** The network input: metrics saturated to the training range, padded to at least one window. */
function networkInput(features: FeatureMatrix, metricCount: number, window: number) {
  return padToWindow(saturateMetrics(features, metricCount), window);
}

function predictAll(
  network: tf.LayersModel,
  features: FeatureMatrix,
  metricCount: number,
  window: number,
  stride: number,
): WindowOutputs {
  const { matrix, padding } = networkInput(features, metricCount, window);
  const plan = planWindows(matrix.rows, window, stride);
  return { plan, padding, outputs: predictWindows(network, matrix, plan, plan.starts) };
}

/** Per row and metric (rows x metricCount, row-major), the mean of the outputs of the windows containing it. */
function averageOutputs({ plan, padding, outputs }: WindowOutputs, metricCount: number): Float64Array {
  return averageBatch(outputs, plan, metricCount).subarray(padding * metricCount);
}

/**
 * Reconstruction of the metric columns of every row of a feature matrix, in scaled space, row-major
 * (rows x metricCount): each row's value is the mean over the slices containing it.
 */
export function reconstruct(
  network: tf.LayersModel,
  features: FeatureMatrix,
  metricCount: number,
  window: number,
  stride: number,
): Float64Array {
  return averageOutputs(predictAll(network, features, metricCount, window, stride), metricCount);
}

/**
 * The outputs again, with the windows that contain a flagged row predicted from `masked` (only those windows
 * are recomputed).
 */
function repredictFlagged(
  network: tf.LayersModel,
  first: WindowOutputs,
  masked: FeatureMatrix,
  flaggedRows: readonly number[],
  metricCount: number,
): WindowOutputs {
  const { plan, padding } = first;
  const { matrix } = networkInput(masked, metricCount, plan.length);
  const redo = plan.starts
    .map((start, w) => ({ start, w }))
    .filter(({ start }) =>
      flaggedRows.some((r) => r + padding >= start && r + padding < start + plan.length),
    );
  const fresh = predictWindows(
    network,
    matrix,
    plan,
    redo.map(({ start }) => start),
  );
  const outputs = first.outputs.slice();
  const size = plan.length * metricCount;
  redo.forEach(({ w }, i) => {
    outputs.set(fresh.subarray(i * size, (i + 1) * size), w * size);
  });
  return { plan, padding, outputs };
}

/**
 * The input with each flagged metric value replaced by its reconstruction: the second pass then rebuilds the
 * other values of the anomaly's slices as if it had not happened (a dense layer spreads one extreme input over
 * the whole slice, which would otherwise flag normal neighbours too).
 */
function maskFlagged(
  features: FeatureMatrix,
  metricCount: number,
  flagged: Uint8Array,
  reconstructed: Float64Array,
) {
  const data = features.data.slice();
  for (let r = 0; r < features.rows; r++) {
    for (let m = 0; m < metricCount; m++) {
      if (flagged[r * metricCount + m]) data[r * features.width + m] = reconstructed[r * metricCount + m]!;
    }
  }
  return { ...features, data };
}

/** A trained model. Holds TF.js memory: call `dispose()` when done with it. */
export class AutoencoderModel {
  constructor(
    readonly network: tf.LayersModel,
    readonly metadata: AutoencoderMetadata,
  ) {}

  /**
   * One verdict per row (any number of rows, even fewer than the window). Rows must carry every metric of the
   * model; other values are ignored.
   * @throws {InvalidInputError} naming the field for empty rows, missing or non-finite metrics, unordered times.
   */
  detect(rows: readonly MetricRow[]): MetricDetection {
    const { features: spec, metrics, thresholds } = this.metadata;
    validateMetricRows(rows, metrics);
    const count = metrics.length;
    const limits = metrics.map((metric) => thresholds[metric]!.threshold);
    const features = buildFeatures(rows, spec);
    const scaled = leadingColumns(features, count);
    const reconstructed = this.reconstructRobustly(features, scaled, limits);
    // Per metric, in the metric's units: the reconstruction and the band edges (reconstruction ± threshold).
    const column = (m: number, offset: number) => {
      const values = new Float64Array(rows.length);
      for (let r = 0; r < rows.length; r++) values[r] = reconstructed[r * count + m]! + offset;
      return unscaleMetric(spec, m, values);
    };
    const expected = metrics.map((_, m) => column(m, 0));
    const lower = metrics.map((_, m) => column(m, -limits[m]!));
    const upper = metrics.map((_, m) => column(m, limits[m]!));
    // Records copied from one with every metric, then filled: no new property (and hidden class) per store.
    const record = Object.fromEntries(metrics.map((metric) => [metric, 0]));
    const points = rows.map((row, r): MetricPoint => {
      const point: MetricPoint = {
        time: row.time,
        observed: { ...record },
        expected: { ...record },
        lower: { ...record },
        upper: { ...record },
        score: 0,
        anomalous: false,
        exceeded: [],
      };
      for (let m = 0; m < count; m++) {
        const metric = metrics[m]!;
        const ratio = Math.abs(scaled[r * count + m]! - reconstructed[r * count + m]!) / limits[m]!;
        point.observed[metric] = row.values[metric]!;
        point.expected[metric] = expected[m]![r]!;
        point.lower[metric] = lower[m]![r]!;
        point.upper[metric] = upper[m]![r]!;
        point.score = Math.max(point.score, ratio);
        if (ratio > 1) point.exceeded.push(metric);
      }
      point.anomalous = point.exceeded.length > 0;
      return point;
    });
    return { model: 'autoencoder', metrics: [...metrics], points };
  }

  /**
   * Reconstruction of the scaled metrics (rows x metrics). When values pass their limit, the windows holding
   * them are predicted again with those values replaced by their reconstruction (`maskFlagged`).
   */
  private reconstructRobustly(features: FeatureMatrix, scaled: Float32Array, limits: number[]): Float64Array {
    const { window, stride } = this.metadata;
    const count = limits.length;
    const first = predictAll(this.network, features, count, window, stride);
    const reconstructed = averageOutputs(first, count);
    const flagged = new Uint8Array(scaled.length);
    const flaggedRows: number[] = [];
    for (let r = 0; r < features.rows; r++) {
      let any = 0;
      for (let m = 0; m < count; m++) {
        const i = r * count + m;
        flagged[i] = +(Math.abs(scaled[i]! - reconstructed[i]!) > limits[m]!);
        any |= flagged[i]!;
      }
      if (any) flaggedRows.push(r);
    }
    if (flaggedRows.length === 0) return reconstructed;
    const masked = maskFlagged(features, count, flagged, reconstructed);
    return averageOutputs(repredictFlagged(this.network, first, masked, flaggedRows, count), count);
  }

  /** The model as files (model.json, weights.bin, metadata.json) for the caller to write atomically. */
  async toFiles(): Promise<ModelFiles> {
    const { modelJson, weights } = await encodeNetwork(this.network);
    return { [MODEL_JSON]: modelJson, [WEIGHTS_BIN]: weights, [METADATA_JSON]: encodeJson(this.metadata) };
  }

  /**
   * A model from its files (as written by `toFiles`).
   * @throws {InvalidInputError} naming the file that is missing, malformed or of another format version.
   */
  static async fromFiles(files: Partial<Record<string, Uint8Array>>): Promise<AutoencoderModel> {
    for (const name of [MODEL_JSON, WEIGHTS_BIN, METADATA_JSON]) {
      if (!(files[name] instanceof Uint8Array)) throw new InvalidInputError(name, 'missing model file');
    }
    const metadata = parseJson(METADATA_JSON, files[METADATA_JSON]!) as Partial<AutoencoderMetadata>;
    if (metadata.formatVersion !== FORMAT_VERSION) {
      throw new InvalidInputError(
        METADATA_JSON,
        `format version ${String(metadata.formatVersion)} is not supported (expected ${FORMAT_VERSION})`,
      );
    }
    await initBackend();
    const network = await decodeNetwork(files[MODEL_JSON]!, files[WEIGHTS_BIN]!);
    return new AutoencoderModel(network, metadata as AutoencoderMetadata);
  }

  dispose(): void {
    this.network.dispose();
  }
}
