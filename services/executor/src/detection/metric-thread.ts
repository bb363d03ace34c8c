/**
 * What a thread that runs metric detection does, the same in a worker thread (metric-worker.ts) and on the event
 * loop (METRIC_WORKERS=0): loads model versions once (loaded-models.ts), runs the work, answers outcomes.
 */

import { loadAutoencoder } from './load-autoencoder.js';
import { LoadedModels, type ModelFiles } from './loaded-models.js';
import { type MetricOutcome, settle } from './metric-outcome.js';
import { type MetricWork, runMetricWork } from './metric-work.js';

export interface MetricTask {
  work: MetricWork;
  /** The trained model to run; null for the shallow model. */
  model: ModelFiles | null;
}

export interface MetricThread {
  /** Loads a version (before the model cache serves it: a version that does not load is never served). */
  load(model: ModelFiles): Promise<MetricOutcome<null>>;
  /** The reply as UTF-8 JSON. */
  detect(task: MetricTask): Promise<MetricOutcome<Uint8Array>>;
}

/** @param k K, the k-sigma override of trained models' thresholds (load-autoencoder.ts). */
export function metricThread(k: number | undefined): MetricThread & { close(): void } {
  const models = new LoadedModels((files) => loadAutoencoder(files, k));
  const encoder = new TextEncoder();
  return {
    load: (model) =>
      settle(async () => {
        await models.get(model);
        return null;
      }),
    detect: ({ work, model }) =>
      settle(async () => encoder.encode(runMetricWork(work, model ? await models.get(model) : undefined))),
    close: () => models.disposeAll(),
  };
}
