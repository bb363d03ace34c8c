/**
 * `@outliers/core/autoencoder`: the deep model for Druid metric series. The only entry point that loads TF.js, so
 * `@outliers/core` stays light for services that never use it.
 */
export type { AutoencoderMetadata, MetricThreshold } from './autoencoder.js';
export { AutoencoderModel, FORMAT_VERSION } from './autoencoder.js';
export { type BackendName, initBackend } from './backend.js';
export type { FeatureSpec } from './features.js';
export { METADATA_JSON, MODEL_JSON, type ModelFiles, WEIGHTS_BIN } from './model-files.js';
export { MIN_THRESHOLD, type TrainOptions, trainModel } from './train.js';
