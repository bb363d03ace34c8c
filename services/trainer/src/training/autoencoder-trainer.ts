/**
 * Training with `@outliers/core/autoencoder`: one autoencoder per granularity series, all in one model version.
 *
 * Why one network per granularity: core's model conditions on the sampling gap relative to the typical gap of its
 * training rows, and its metric scaling is fitted on them, so a network trained at one granularity misreads another
 * (a 1-hour bucket holds 60 times the bytes of a 1-minute one). The version therefore holds
 *   model.json, weights.bin, metadata.json          the primary model: the first series (finest configured granularity)
 *   <label>.model.json, <label>.weights.bin, ...    every series' model, by granularity label
 *   granularities.json                              { primary, models: { <label>: { rows, validationLoss, ... } } }
 * so a reader that knows nothing of granularities still finds a complete model at the version's root.
 * Series shorter than the window cannot train and are skipped (listed in granularities.json).
 */
import { AutoencoderModel, trainModel } from '@outliers/core/autoencoder';
import type { LabeledSeries, TrainedModel, TrainOptions } from './train-function.js';

const DEFAULT_WINDOW = 32;
const encoder = new TextEncoder();

export async function trainAutoencoder(
  series: LabeledSeries[],
  options: TrainOptions,
): Promise<TrainedModel> {
  const window = options.window ?? DEFAULT_WINDOW;
  const files: Record<string, Uint8Array> = {};
  const models: Record<string, Record<string, unknown>> = {};
  const skipped: Record<string, number> = {};
  let primary: { label: string; model: AutoencoderModel } | undefined;
  for (const { label: name, rows } of series) {
    const label = fileLabel(name);
    if (rows.length < window) {
      skipped[label] = rows.length;
      continue;
    }
    const model = await trainModel(rows, {
      metrics: options.metrics,
      epochs: options.epochs,
      batchSize: options.batchSize,
      k: options.k,
      window: options.window,
      stride: options.stride,
      seed: options.seed,
    });
    const modelFiles = await model.toFiles();
    await assertReadable(modelFiles, label);
    for (const [name, bytes] of Object.entries(modelFiles)) files[`${label}.${name}`] = bytes;
    const { loss, dataRange } = model.metadata;
    models[label] = { rows: dataRange.rows, trainingLoss: loss.training, validationLoss: loss.validation };
    if (primary) model.dispose();
    else {
      primary = { label, model };
      Object.assign(files, modelFiles);
    }
  }
  if (!primary) {
    const counts = Object.entries(skipped).map(([label, n]) => `${label}: ${n}`);
    throw new RangeError(
      `rows: every series is shorter than the window (${window} rows): ${counts.join(', ')}`,
    );
  }
  const { loss } = primary.model.metadata;
  primary.model.dispose();
  files['granularities.json'] = encoder.encode(JSON.stringify({ primary: primary.label, models, skipped }));
  return {
    files,
    // Without held-out rows (short series) the training loss is the only yardstick.
    validationLoss: loss.validation ?? loss.training,
    trainingLoss: loss.training,
    metadata: {
      primaryGranularity: primary.label,
      models,
      skipped,
      lossKind: loss.validation === null ? 'training' : 'validation',
    },
  };
}

/** A granularity as a model-store file-name prefix (letters, digits, '.', '_', '-'). */
function fileLabel(label: string): string {
  return label.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** Reads the files back as the executor will: a model that does not load is never published. */
async function assertReadable(files: Record<string, Uint8Array>, label: string): Promise<void> {
  try {
    (await AutoencoderModel.fromFiles(files)).dispose();
  } catch (err) {
    throw new Error(`model files of ${label} do not load back: ${(err as Error).message}`);
  }
}
