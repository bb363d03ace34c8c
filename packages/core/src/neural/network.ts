/**
 * The autoencoder network: a dense encoder-decoder over one slice of `window` feature rows, flattened.
 *
 *   input  window x (metrics + context)   e.g. 32 x (11 + 5) = 512
 *   dense  HIDDEN_UNITS, relu
 *   dense  latent, relu                    the bottleneck
 *   dense  HIDDEN_UNITS, relu
 *   output window x metrics, linear        e.g. 32 x 11 = 352 (context columns are inputs only)
 *
 * The bottleneck (latent units, far fewer than the slice's values) forces the network to learn the usual shape of
 * a slice, so a point that breaks it is reconstructed towards the usual and leaves a large error. The output is
 * linear so that scaled values outside the training range [0, 1] can be reconstructed at all.
 */
import * as tf from '@tensorflow/tfjs';

/** Width of the two hidden layers around the bottleneck. */
export const HIDDEN_UNITS = 64;
/** Bottleneck bounds: enough for a day's shape of several metrics, few enough not to copy a slice verbatim. */
const MIN_LATENT = 4;
const MAX_LATENT = 16;
/** One latent unit per this many reconstructed values (window x metrics), within the bounds above. */
const VALUES_PER_LATENT = 8;

export interface NetworkShape {
  window: number;
  /** Columns per input row (metrics + context). */
  inputWidth: number;
  /** Columns per output row (metrics). */
  outputWidth: number;
  latent: number;
}

/** Bottleneck size for a slice of `window` rows of `metrics` metrics. */
export function latentUnits(window: number, metrics: number): number {
  return Math.min(MAX_LATENT, Math.max(MIN_LATENT, Math.round((window * metrics) / VALUES_PER_LATENT)));
}

/**
 * A compiled network with seeded Glorot-uniform initialisers (each layer its own seed derived from `seed`), so
 * the same seed and data train the same weights on the same backend.
 */
export function buildNetwork(shape: NetworkShape, seed: number, learningRate: number): tf.LayersModel {
  const units = [HIDDEN_UNITS, shape.latent, HIDDEN_UNITS];
  const init = (layer: number) => tf.initializers.glorotUniform({ seed: seed + layer });
  const model = tf.sequential();
  units.forEach((n, i) => {
    model.add(
      tf.layers.dense({
        ...(i === 0 ? { inputShape: [shape.window * shape.inputWidth] } : {}),
        units: n,
        activation: 'relu',
        kernelInitializer: init(i),
      }),
    );
  });
  model.add(
    tf.layers.dense({
      units: shape.window * shape.outputWidth,
      activation: 'linear',
      kernelInitializer: init(3),
    }),
  );
  model.compile({ optimizer: tf.train.adam(learningRate), loss: 'meanSquaredError' });
  return model;
}
