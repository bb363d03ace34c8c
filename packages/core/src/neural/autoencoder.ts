/**
 * A trained autoencoder model and its detection: reconstruct every row from the slices that contain it, compare
 * each metric with its reconstruction in scaled space, and judge the errors row by row.
 *
 * Per row t and metric m (scaled values y, reconstruction ŷ averaged over the overlapping slices):
 *   error e(t, m) = y(t, m) - ŷ(t, m), in units of the metric's scale s(m) (robust spread of the training errors;
 *   for models trained before it was stored, threshold / k)
 *   verdicts as metric/residual-verdict.ts gives them: |e| > k s (the threshold, moved by sensitivity), or a run
 *   of same-signed errors whose mean is significant (a level shift the slices half follow); where the model
 *   stores a time-of-day profile, raised to the level scores of level-profile.ts (a shift longer than a slice is
 *   reconstructed as it is: only a test over the whole request sees it)
 *   expected = unscale(ŷ), band = [unscale(ŷ - T), unscale(ŷ + T)] with T the point threshold at that sensitivity
 *   score = the largest verdict score of the row's metrics; anomalous when > 1; exceeded = the metrics over 1
 * Per row, not per neighbourhood: a dense layer spreads one extreme input over its whole slice, so the rows of
 * an anomaly drag their neighbours' reconstruction. The rows flagged are therefore masked (every metric replaced,
 * first by a straight line between the nearest unmasked rows, then by the network's own reconstruction) and the
 * slices holding them predicted again, until no new row is flagged (MASK_ROUNDS at most). Verdicts and `expected`
 * come from the last reconstruction, which never saw the anomaly: a long dip's expected value is what the model
 * makes of the rows around it (with a profile, masked rows are imputed along it, at the level around them).
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInputError } from '../errors.js';
import { DEFAULT_SENSITIVITY, judgeResiduals, pointThreshold } from '../metric/residual-verdict.js';
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
import { type LevelProfile, levelScores, profileAt } from './level-profile.js';
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
  /** Mean and standard deviation of the absolute error (the reference's k-sigma statistics). */
  mean: number;
  std: number;
  /** Robust standard deviation (1.4826 MAD) of the signed error; absent in models trained before it was kept. */
  scale?: number;
  /** k * scale (older models: mean + k * std), floored at MIN_THRESHOLD. */
  threshold: number;
}

export interface DetectOptions {
  /** In (0, 1]: thresholds scale by 0.95 / sensitivity; 0 flags nothing. @default 0.95 */
  sensitivity?: number;
}

/** Rounds of masking the flagged rows and predicting again, at most. */
const MASK_ROUNDS = 3;
/** Reconstructions of a round's masked rows fed back as their input. */
const IMPUTE_PASSES = 2;

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
  /** Each metric's time-of-day profile; null when training did not span a day, absent in older models. */
  levels?: LevelProfile | null;
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
 * The outputs again for the windows that contain a masked row, predicted from `input` (the others are kept).
 */
function repredictMasked(
  network: tf.LayersModel,
  previous: WindowOutputs,
  input: FeatureMatrix,
  masked: Uint8Array,
  metricCount: number,
): WindowOutputs {
  const { plan, padding } = previous;
  const { matrix } = networkInput(input, metricCount, plan.length);
  const holdsMasked = (start: number) =>
    masked.subarray(Math.max(0, start - padding), start - padding + plan.length).includes(1);
  const redo = plan.starts.flatMap((start, w) => (holdsMasked(start) ? [w] : []));
  const fresh = predictWindows(
    network,
    matrix,
    plan,
    redo.map((w) => plan.starts[w]!),
  );
  const outputs = previous.outputs.slice();
  const size = plan.length * metricCount;
  redo.forEach((w, i) => {
    outputs.set(fresh.subarray(i * size, (i + 1) * size), w * size);
  });
  return { plan, padding, outputs };
}

/**
 * The input with the metric columns of masked rows replaced: per metric, a straight line between the nearest
 * unmasked rows (the one there is at an end), or `reconstructed` when given. With a time-of-day profile the line
 * runs through the rows' deviations from it, so a masked stretch of hours keeps the daily cycle at the level
 * around it.
 */
function maskRows(
  features: FeatureMatrix,
  metricCount: number,
  masked: Uint8Array,
  profile: Float64Array | null,
  reconstructed?: Float64Array,
): FeatureMatrix {
  const data = features.data.slice();
  const { rows, width } = features;
  const base = (r: number, m: number) => (profile ? profile[r * metricCount + m]! : 0);
  const deviation = (r: number, m: number) => features.data[r * width + m]! - base(r, m);
  for (let start = 0; start < rows; start++) {
    if (!masked[start]) continue;
    let end = start;
    while (end + 1 < rows && masked[end + 1]) end++;
    for (let m = 0; m < metricCount; m++) {
      const before = start > 0 ? deviation(start - 1, m) : undefined;
      const after = end + 1 < rows ? deviation(end + 1, m) : undefined;
      for (let r = start; r <= end; r++) {
        const f = (r - start + 1) / (end - start + 2);
        const line =
          before === undefined ? after : after === undefined ? before : before + (after - before) * f;
        const value = reconstructed
          ? reconstructed[r * metricCount + m]
          : line === undefined
            ? undefined
            : line + base(r, m);
        if (value !== undefined) data[r * width + m] = value;
      }
    }
    start = end;
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
   * @throws {InvalidInputError} naming the field for empty rows, missing or non-finite metrics, unordered times,
   *   sensitivity outside [0, 1].
   */
  detect(rows: readonly MetricRow[], options: DetectOptions = {}): MetricDetection {
    const sensitivity = options.sensitivity ?? DEFAULT_SENSITIVITY;
    if (!(sensitivity >= 0 && sensitivity <= 1)) {
      throw new InvalidInputError('sensitivity', `expected a number in [0, 1], got ${String(sensitivity)}`);
    }
    const { features: spec, metrics, thresholds, k } = this.metadata;
    validateMetricRows(rows, metrics);
    const count = metrics.length;
    const scales = metrics.map((metric) => thresholds[metric]!.scale ?? thresholds[metric]!.threshold / k);
    const features = buildFeatures(rows, spec);
    const scaled = leadingColumns(features, count);
    const { levels } = this.metadata;
    const profile = levels
      ? profileAt(
          levels,
          rows.map((row) => row.time),
        )
      : null;
    // Level scores once, against the first reconstruction (the one that has seen every row).
    let levelScore: Float64Array[] | null | undefined;
    const judge = (reconstructed: Float64Array) => {
      levelScore ??= profile && levelScores(scaled, profile, reconstructed, scales, sensitivity, k);
      return this.judge(scaled, reconstructed, scales, sensitivity, levelScore);
    };
    const { reconstructed, scores } = this.reconstructRobustly(features, profile, judge);
    const band = pointThreshold(Math.max(sensitivity, Number.MIN_VALUE), k);
    // Per metric, in the metric's units: the reconstruction and the band edges (unbounded at sensitivity 0).
    const column = (m: number, offset: number) => {
      if (!Number.isFinite(offset)) return new Float64Array(rows.length).fill(offset);
      const values = new Float64Array(rows.length);
      for (let r = 0; r < rows.length; r++) values[r] = reconstructed[r * count + m]! + offset;
      return unscaleMetric(spec, m, values);
    };
    const expected = metrics.map((_, m) => column(m, 0));
    const lower = metrics.map((_, m) => column(m, -band * scales[m]!));
    const upper = metrics.map((_, m) => column(m, band * scales[m]!));
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
        const score = scores[m]![r]!;
        point.observed[metric] = row.values[metric]!;
        point.expected[metric] = expected[m]![r]!;
        point.lower[metric] = lower[m]![r]!;
        point.upper[metric] = upper[m]![r]!;
        point.score = Math.max(point.score, score);
        if (score > 1) point.exceeded.push(metric);
      }
      point.anomalous = point.exceeded.length > 0;
      return point;
    });
    return { model: 'autoencoder', metrics: [...metrics], points };
  }

  /**
   * Verdict scores per metric (> 1: flagged) of the scaled values against a reconstruction, raised to the level
   * scores when there are any. The rows of a level run are judged by it alone: their errors against a
   * reconstruction that never saw them (they are masked) would otherwise carry the windows of the sustained rule
   * over the normal rows next to them.
   */
  private judge(
    scaled: Float32Array,
    reconstructed: Float64Array,
    scales: number[],
    sensitivity: number,
    levelScore: Float64Array[] | null,
  ): Float64Array[] {
    const count = scales.length;
    const rows = scaled.length / count;
    const window = Math.max(2, this.metadata.window >> 1);
    return scales.map((scale, m) => {
      const z = new Float64Array(rows);
      const level = levelScore?.[m];
      for (let r = 0; r < rows; r++) {
        z[r] = level && level[r]! > 1 ? 0 : (scaled[r * count + m]! - reconstructed[r * count + m]!) / scale;
      }
      const { score } = judgeResiduals(z, window, sensitivity, this.metadata.k);
      if (level) for (let r = 0; r < rows; r++) score[r] = Math.max(score[r]!, level[r]!);
      return score;
    });
  }

  /**
   * The reconstruction (rows x metrics, scaled) with the flagged rows masked until no new row is flagged, and
   * the verdict scores against it.
   */
  private reconstructRobustly(
    features: FeatureMatrix,
    profile: Float64Array | null,
    judge: (reconstructed: Float64Array) => Float64Array[],
  ) {
    const { window, stride } = this.metadata;
    const count = this.metadata.metrics.length;
    let outputs = predictAll(this.network, features, count, window, stride);
    let reconstructed = averageOutputs(outputs, count);
    let scores = judge(reconstructed);
    const masked = new Uint8Array(features.rows);
    for (let round = 0; round < MASK_ROUNDS; round++) {
      let added = 0;
      for (let r = 0; r < features.rows; r++) {
        if (!masked[r] && scores.some((s) => s[r]! > 1)) {
          masked[r] = 1;
          added++;
        }
      }
      if (added === 0) break;
      let input = maskRows(features, count, masked, profile);
      for (let pass = 0; pass < IMPUTE_PASSES; pass++) {
        outputs = repredictMasked(this.network, outputs, input, masked, count);
        reconstructed = averageOutputs(outputs, count);
        input = maskRows(features, count, masked, profile, reconstructed);
      }
      scores = judge(reconstructed);
    }
    return { reconstructed, scores };
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
