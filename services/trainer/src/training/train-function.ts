/**
 * The narrow interface between the job and the training math: series in, model files and facts out. The
 * production implementation runs `@outliers/core/autoencoder` in a worker thread (thread-trainer.ts); run-once calls
 * it directly (in-process-trainer.ts).
 */
import type { MetricRow } from '@outliers/core';

/** One series of a sensor, labelled by where it came from (its granularity, or `file`). */
export interface LabeledSeries {
  label: string;
  rows: MetricRow[];
}

/** Unset options take core's defaults (`trainModel`); the trainer's configuration always sets the first four. */
export interface TrainOptions {
  /** Metrics (row value keys) the model learns. */
  metrics?: string[];
  epochs?: number;
  batchSize?: number;
  /** Threshold multiplier (mean + k std of the training reconstruction error). */
  k?: number;
  window?: number;
  stride?: number;
  seed?: number;
}

export interface TrainedModel {
  /** The model's files as written to the store (model.json, weights, metadata, ...). */
  files: Record<string, Uint8Array>;
  /** Validation reconstruction loss: how publishing compares a new model with the current one. */
  validationLoss: number;
  trainingLoss: number;
  /** Everything else the training reports (thresholds, scaling, row counts), stored in the manifest. */
  metadata: Record<string, unknown>;
}

/** Trains one model version from one or more series of the same sensor (one series per granularity). */
export type TrainFunction = (series: LabeledSeries[], options: TrainOptions) => Promise<TrainedModel>;

/** A TrainFunction that stops (rejecting) when `signal` aborts: the cluster's, run in a worker thread. */
export type AbortableTrainFunction = (
  series: LabeledSeries[],
  options: TrainOptions,
  signal?: AbortSignal,
) => Promise<TrainedModel>;
