/**
 * Where the CPU-bound half of a metric request runs. The event loop must stay free for HTTP (and for the station
 * API): with METRIC_WORKERS > 0 the work goes to a pool of worker threads (piscina), one per core by default, so a
 * 2-core machine serves twice the requests; with 0 it runs in the main thread (one-core machines, debugging).
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { workerEntry } from '../worker-entry.js';
import type { LoadedAutoencoder } from './load-autoencoder.js';
import { type MetricWork, type MetricWorkResult, runMetricWork } from './metric-work.js';

/**
 * A trained model as the model cache holds it: loaded here (checked before it is served), and its files for
 * workers.
 */
export interface MetricModel {
  /** name@version: what a worker caches its own copy under. */
  key: string;
  loaded: LoadedAutoencoder;
  /** The version's files in shared memory: passing them to a worker copies nothing. */
  files: Record<string, Uint8Array>;
}

/** A model as a worker receives it. */
export interface WorkerModel {
  key: string;
  files: Record<string, Uint8Array>;
}

export interface MetricTask {
  work: MetricWork;
  model: WorkerModel | null;
}

export interface MetricRunner {
  run(work: MetricWork, model: MetricModel | null): Promise<MetricWorkResult>;
  close(): Promise<void>;
}

/**
 * Young-generation size of a metric worker (V8's default: 48 MB). A request allocates ~3.4 MB that lives as long as
 * the request, so with the default every few requests a scavenge copies a live request's rows and detections.
 * Measured end to end, alternating two executors (4 rounds of 8 s, shallow form requests): 111 vs 101 requests/s
 * median, 16.4 vs 18.0 ms of CPU per request, better in every round.
 */
const YOUNG_GENERATION_MB = 96;

export function createMetricRunner(options: { workers: number; k: number | undefined }): MetricRunner {
  if (options.workers === 0) {
    return {
      run: async (work, model) => runMetricWork(work, model?.loaded),
      close: async () => {},
    };
  }
  // Started at the first metric request: an executor serving only stations never starts the threads.
  let pool: Piscina<MetricTask, MetricWorkResult> | undefined;
  const start = () => {
    const { url, execArgv } = workerEntry('metric-worker', import.meta.url);
    return new Piscina<MetricTask, MetricWorkResult>({
      filename: fileURLToPath(url),
      minThreads: options.workers,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      maxThreads: options.workers,
      ...(execArgv ? { execArgv } : {}),
      workerData: { k: options.k },
    });
  };
  // Tasks under way, awaited before the pool closes: piscina 5's close, with two threads or more, may end before
  // its queue is empty and terminate the tasks still queued (their requests then failed at shutdown).
  const running = new Set<Promise<MetricWorkResult>>();
  return {
    run: (work, model) => {
      pool ??= start();
      const task = pool.run({
        work,
        model: model && { key: model.key, files: model.files },
      });
      running.add(task);
      const forget = () => running.delete(task);
      task.then(forget, forget);
      return task;
    },
    close: async () => {
      await Promise.allSettled(running);
      await pool?.close();
    },
  };
}

/** Copies a version's files into shared memory once, so every task hands them to its worker without a copy. */
export function shareFiles(files: Record<string, Uint8Array>): Record<string, Uint8Array> {
  const shared: Record<string, Uint8Array> = {};
  for (const [name, bytes] of Object.entries(files)) {
    const copy = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
    copy.set(bytes);
    shared[name] = copy;
  }
  return shared;
}
