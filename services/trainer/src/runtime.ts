/** What a command needs besides the config: the model store, the training data source, and how to close them. */
import { DruidClient } from '@outliers/druid';
import type { ModelStore } from '@outliers/model-store';
import { openModelStore } from './artifacts/model-store.js';
import type { TrainerConfig } from './config.js';
import { type TrainingOutcome, trainSensorModel } from './jobs/train-sensor-model.js';
import type { TrainingDataSource } from './training/data-source.js';
import { DruidTrainingSource } from './training/druid-source.js';
import { SensorTrainingSource } from './training/sensor-source.js';
import type { AbortableTrainFunction } from './training/train-function.js';
import type { TrainSensorProcessor } from './workers/training-worker.js';

export interface TrainerRuntime {
  store: ModelStore;
  source: TrainingDataSource;
  close(): Promise<void>;
}

export function openRuntime(config: TrainerConfig): TrainerRuntime {
  const store = openModelStore(config);
  const druid = config.druid
    ? new DruidClient({ url: config.druid.url, timeoutMs: config.druid.timeoutMs })
    : undefined;
  const source = new SensorTrainingSource(druid && new DruidTrainingSource(druid, config.druid!));
  return {
    store,
    source,
    async close() {
      await druid?.close();
      store.close?.();
    },
  };
}

/**
 * The job processor of `serve`: trains with `train` (which receives the job's abort signal) and publishes to the
 * runtime's store.
 */
export function trainingProcessor(
  config: TrainerConfig,
  runtime: TrainerRuntime,
  train: AbortableTrainFunction,
): TrainSensorProcessor<TrainingOutcome> {
  return (payload, { log, signal, assertOwner, job }) =>
    trainSensorModel(payload, {
      ...(job.id ? { jobId: job.id } : {}),
      source: runtime.source,
      store: runtime.store,
      publish: config.publish,
      node: config.node,
      log,
      train: (series, options) => train(series, options, signal),
      beforePublish: assertOwner,
    });
}
