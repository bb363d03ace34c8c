/**
 * The training worker of one node. Concurrency 1: training is CPU-bound and a node trains one sensor at a time.
 * Robustness comes from BullMQ's locks: the worker renews its job's lock every lockDuration/2; if the node dies the
 * lock expires and another node's stalled check moves the job back to wait, where a live node takes it (bound:
 * takeoverBoundMs in trainer-node.ts). Training runs off the event loop (worker thread), so lock renewal is never starved.
 */
import { type ConnectionOptions, type Job, WaitingError, Worker } from 'bullmq';
import type { WorkerSettings } from '../config.js';
import type { Logger } from '../logger.js';
import { parseTrainSensorPayload, TRAINING_QUEUE, type TrainSensorPayload } from '../queues.js';

/**
 * What the worker does with a valid payload; `log` is a per-job child logger; `signal` aborts when the node shuts
 * down past its grace period (the processor should stop training and reject).
 */
export type TrainSensorProcessor<R> = (payload: TrainSensorPayload, context: JobContext) => Promise<R>;

export interface JobContext {
  log: Logger;
  job: Job;
  signal: AbortSignal;
  /**
   * Renews the job's lock, or throws when this worker no longer holds it (Redis was out longer than the lock, and
   * the job may already run elsewhere): call it right before an effect that must happen once, like publishing.
   */
  assertOwner(): Promise<void>;
}

/** This worker lost its job's lock: whatever it was about to do, another worker may be doing. */
export class LostLockError extends Error {
  override readonly name = 'LostLockError';
}

/** Reason given to jobs cancelled by a shutdown. */
const SHUTDOWN = 'node shutting down';

export interface TrainingWorkerOptions<R> {
  connection: ConnectionOptions;
  prefix: string;
  node: string;
  settings: WorkerSettings;
  log: Logger;
  process: TrainSensorProcessor<R>;
}

export function createTrainingWorker<R>(options: TrainingWorkerOptions<R>): Worker<unknown, R> {
  const { settings, log } = options;
  const worker = new Worker<unknown, R>(
    TRAINING_QUEUE,
    async (job, token, signal) => {
      const payload = parseTrainSensorPayload(job.data);
      const jobLog = log.child({ jobId: job.id, sensor: payload.sensor.name, attempt: job.attemptsStarted });
      jobLog.info('training job started');
      const abort = signal ?? new AbortController().signal;
      try {
        const assertOwner = async () => {
          if (token === undefined || (await job.extendLock(token, settings.lockDurationMs)) !== 1) {
            throw new LostLockError(`job ${job.id} is no longer locked by this worker`);
          }
        };
        return await options.process(payload, { log: jobLog, job, signal: abort, assertOwner });
      } catch (err) {
        if (!abort.aborted || abort.reason !== SHUTDOWN) throw err;
        // Released, not failed: the job goes back to wait at once, without using up an attempt.
        await job.moveToWait(token);
        jobLog.warn('training job released to another node (shutdown)');
        throw new WaitingError();
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      name: options.node,
      concurrency: 1,
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: settings.maxStalledCount,
      removeOnComplete: { count: settings.keepCompleted },
      removeOnFail: { count: settings.keepFailed },
    },
  );
  // Without an 'error' listener a Redis hiccup would be an unhandled error event; BullMQ reconnects by itself.
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  worker.on('failed', (job, err) =>
    log.warn({ jobId: job?.id, err: err.message, attemptsMade: job?.attemptsMade }, 'training job failed'),
  );
  worker.on('stalled', (jobId) =>
    log.warn({ jobId }, 'training job stalled: its node stopped renewing the lock'),
  );
  return worker;
}

/**
 * SIGTERM behaviour: stops taking jobs and lets the current one finish; after `graceMs` it cancels the job, which
 * the processor releases back to wait for another node.
 */
export async function closeWorker(worker: Worker, graceMs: number): Promise<void> {
  const timer = setTimeout(() => worker.cancelAllJobs(SHUTDOWN), graceMs);
  try {
    await worker.close();
  } finally {
    clearTimeout(timer);
  }
}
