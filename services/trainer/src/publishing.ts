/**
 * What other workspace packages reuse to train and publish a model exactly as the trainer does (the CLI's
 * `train --publish`): the version layout, its manifest metadata, the label of a series read from a file, and the
 * `--from/--to` flags. Exported as `@outliers/trainer/publishing`; nothing here loads BullMQ or Redis.
 */
export { versionMetadata } from './artifacts/version-metadata.js';
export { trainAutoencoder } from './training/autoencoder-trainer.js';
export { samplingLabel } from './training/sampling-label.js';
export type { LabeledSeries, TrainedModel, TrainOptions } from './training/train-function.js';
export { parseTrainingPeriod, type TrainingPeriod } from './training/training-period.js';
