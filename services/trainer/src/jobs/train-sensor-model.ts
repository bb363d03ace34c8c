/**
 * One training of one sensor: load its series, train, then publish unless the new model is clearly worse than the
 * current one, and prune old versions. Shared by `run-once` and the cluster worker.
 */

import type { ModelManifest, ModelStore } from '@outliers/model-store';
import { UnrecoverableError } from 'bullmq';
import { keepAside } from '../artifacts/keep-aside.js';
import { versionMetadata } from '../artifacts/version-metadata.js';
import { DEFAULT_LOOK_BACK, type PublishSettings } from '../config.js';
import type { Logger } from '../logger.js';
import type { TrainSensorPayload } from '../queues.js';
import type { TrainingDataSource, TrainingInterval } from '../training/data-source.js';
import { lookBackMs } from '../training/look-back.js';
import type { TrainFunction } from '../training/train-function.js';
import type { TrainingPeriod } from '../training/training-period.js';

/** `log` should already carry the sensor (and job) in its bindings. */
export interface TrainSensorDeps {
  source: TrainingDataSource;
  train: TrainFunction;
  store: ModelStore;
  publish: PublishSettings;
  log: Logger;
  /** Recorded in the manifest: which node trained the model. */
  node: string;
  now?: () => number;
  /** Called right before publishing; throws when this run may no longer publish (the cluster's lock check). */
  beforePublish?: () => Promise<void>;
  /** A past period to train on (run-once `--from/--to`) instead of the sensor's look-back ending now. */
  period?: TrainingPeriod;
  /**
   * The queue job (cluster mode). Recorded in the version's manifest, so that a retry of the job, after a node died
   * between publishing and completing it, finds that version instead of publishing a second one for the tick.
   */
  jobId?: string;
}

export interface TrainingOutcome {
  sensor: string;
  published: boolean;
  /** Why nothing was trained: the sensor is pinned (a rollback), or this job had already published `version`. */
  skipped?: 'pinned' | 'published by an earlier attempt';
  /** The published version, or where the rejected model was kept aside. */
  version?: string;
  keptAsideAt?: string;
  validationLoss: number;
  currentValidationLoss?: number;
  rows: number;
  durationMs: number;
}

/**
 * The sensor's look-back ending now, or the chosen period. An end after now is brought back to now: the bucket
 * still filling up must not train in.
 * @throws {UnrecoverableError} when the period starts at or after its end.
 */
function trainingInterval(
  sensor: TrainSensorPayload['sensor'],
  period: TrainingPeriod | undefined,
  nowMs: number,
): TrainingInterval {
  const end = new Date(Math.min(period?.to?.getTime() ?? nowMs, nowMs));
  if (period?.from) {
    if (period.from >= end) {
      throw new UnrecoverableError(
        `--from: ${period.from.toISOString()} is not before the end of the period ${end.toISOString()}`,
      );
    }
    return { start: period.from, end };
  }
  const span = lookBackMs(sensor.lookBack ?? DEFAULT_LOOK_BACK);
  return { start: new Date(end.getTime() - span), end, lookBackMs: span };
}

export async function trainSensorModel(
  payload: TrainSensorPayload,
  deps: TrainSensorDeps,
): Promise<TrainingOutcome> {
  const { sensor, training } = payload;
  const skipped = await skippedTraining(sensor.name, deps);
  if (skipped) return skipped;
  const started = deps.now?.() ?? Date.now();
  const interval = trainingInterval(sensor, deps.period, started);
  const { end } = interval;

  const series = (await deps.source.load(sensor, interval)).filter((s) => s.rows.length > 0);
  const rows = series.reduce((n, s) => n + s.rows.length, 0);
  if (rows === 0) {
    // Retrying minutes later will not conjure a day of data; the next scheduled tick tries again.
    throw new UnrecoverableError(
      `no training data for sensor "${sensor.name}" between ${interval.start.toISOString()} and ${end.toISOString()}`,
    );
  }
  deps.log.info({ series: series.length, rows }, 'training data loaded');

  const model = await deps.train(series, {
    metrics: sensor.metrics,
    epochs: training.epochs,
    batchSize: training.batchSize,
    k: training.k,
    window: training.window,
    stride: training.stride,
    seed: training.seed,
  });
  if (!Number.isFinite(model.validationLoss)) {
    throw new Error(`training of sensor "${sensor.name}" diverged: validation loss ${model.validationLoss}`);
  }
  const durationMs = (deps.now?.() ?? Date.now()) - started;
  const metadata = versionMetadata(model, {
    trainedAt: started,
    durationMs,
    rows,
    granularities: sensor.granularities ?? [],
    metrics: sensor.metrics,
    node: deps.node,
    ...(deps.jobId ? { job: deps.jobId } : {}),
  });

  const current = await deps.store.manifest(sensor.name);
  const currentLoss = current?.metadata?.validationLoss;
  const outcome = { sensor: sensor.name, validationLoss: model.validationLoss, rows, durationMs };
  if (typeof currentLoss === 'number' && !(model.validationLoss <= currentLoss * deps.publish.maxLossRatio)) {
    const keptAsideAt = await keepAside(deps.publish.rejectedDirectory, sensor.name, model.files, metadata);
    deps.log.warn(
      {
        validationLoss: model.validationLoss,
        currentValidationLoss: currentLoss,
        keptAsideAt,
      },
      'new model clearly worse than the current one: not published',
    );
    return { ...outcome, published: false, keptAsideAt, currentValidationLoss: currentLoss };
  }

  await deps.beforePublish?.();
  const manifest = await deps.store.publish(sensor.name, model.files, metadata);
  await deps.store.prune(sensor.name, deps.publish.keepVersions);
  deps.log.info(
    { version: manifest.version, validationLoss: model.validationLoss, durationMs },
    'model published',
  );
  return {
    ...outcome,
    published: true,
    version: manifest.version,
    ...(typeof currentLoss === 'number' ? { currentValidationLoss: currentLoss } : {}),
  };
}

/**
 * The outcome of a training that need not run: the sensor is pinned to a version (a rollback), or an earlier attempt
 * of this job published a version (current, or complete but not yet current when its node died between the
 * version and the manifest: then it is made current here). Undefined when the training should run.
 */
async function skippedTraining(name: string, deps: TrainSensorDeps): Promise<TrainingOutcome | undefined> {
  const current = await deps.store.manifest(name);
  const outcome = (
    skipped: NonNullable<TrainingOutcome['skipped']>,
    manifest: ModelManifest,
  ): TrainingOutcome => ({
    sensor: name,
    published: skipped !== 'pinned',
    skipped,
    version: manifest.version,
    validationLoss: Number(manifest.metadata?.validationLoss ?? Number.NaN),
    rows: Number(manifest.metadata?.rows ?? 0),
    durationMs: 0,
  });
  if (current?.pinned) {
    deps.log.info({ version: current.version }, 'sensor pinned to a version: not trained');
    return outcome('pinned', current);
  }
  if (!deps.jobId) return undefined;
  if (current?.metadata?.job === deps.jobId) return outcome('published by an earlier attempt', current);
  for (const version of (await deps.store.versions(name)).reverse()) {
    const manifest = await deps.store.versionManifest(name, version);
    if (manifest?.metadata?.job !== deps.jobId) continue;
    await deps.beforePublish?.();
    deps.log.info({ version }, 'an earlier attempt of this job published a version: made it current');
    return outcome('published by an earlier attempt', await deps.store.activate(name, version));
  }
  return undefined;
}
