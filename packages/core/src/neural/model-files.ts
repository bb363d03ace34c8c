/**
 * The model's files, in the TF.js layers format so that standard tools (tf.loadLayersModel, tensorflowjs_converter)
 * read them too:
 *   model.json     { format: 'layers-model', modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights }] }
 *   weights.bin    the float32 weights, concatenated in manifest order
 *   metadata.json  AutoencoderMetadata (features, scaling, window, thresholds, losses, data range, formatVersion)
 * Core does no I/O: these are bytes for the caller (ModelStore) to write atomically.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidInputError } from '../errors.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const METADATA_JSON = 'metadata.json';

/** The three files of a model, by name. */
export type ModelFiles = Record<typeof MODEL_JSON | typeof WEIGHTS_BIN | typeof METADATA_JSON, Uint8Array>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** model.json and weights.bin of a network (captured through a TF.js save handler, no file system). */
export async function encodeNetwork(
  network: tf.LayersModel,
): Promise<{ modelJson: Uint8Array; weights: Uint8Array }> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await network.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(saved) };
    }),
  );
  if (!artifacts?.weightData || !artifacts.weightSpecs) throw new Error('TF.js saved no weights');
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs }],
  };
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  return { modelJson: encoder.encode(JSON.stringify(modelJson)), weights };
}

/**
 * The network of model.json + weights.bin.
 * @throws {InvalidInputError} `model.json` when it is not a layers model naming weights.bin.
 */
export async function decodeNetwork(modelJson: Uint8Array, weights: Uint8Array): Promise<tf.LayersModel> {
  const parsed = parseJson(MODEL_JSON, modelJson) as Partial<tf.io.ModelJSON>;
  const manifest = parsed.weightsManifest;
  if (!parsed.modelTopology || !Array.isArray(manifest) || manifest.length === 0) {
    throw new InvalidInputError(MODEL_JSON, 'expected a TF.js layers model with a weights manifest');
  }
  const weightSpecs = manifest.flatMap((group) => group.weights);
  // Copy into a fresh ArrayBuffer: the bytes may be a view into a larger buffer (e.g. a Node Buffer pool).
  const weightData = weights.slice().buffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: parsed.modelTopology, weightSpecs, weightData }),
  );
}

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value, null, 2));
}

/** @throws {InvalidInputError} naming `file` when the bytes are not JSON. */
export function parseJson(file: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new InvalidInputError(file, `not valid JSON (${(error as Error).message})`);
  }
}
