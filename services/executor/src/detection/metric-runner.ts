/**
 * Where the CPU-bound half of a metric request runs. The event loop must stay free for HTTP (and for the station
 * API): with METRIC_WORKERS > 0 the work goes to a pool of worker threads (piscina), one per core by default; with 0
 * it runs in the main thread (one-core machines, debugging). Both run MetricThread's calls (metric-thread.ts).
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { workerEntry } from '../worker-entry.js';
import type { ModelFiles } from './loaded-models.js';
import { failureOf, unwrap } from './metric-outcome.js';
import { type MetricThread, metricThread } from './metric-thread.js';
import type { MetricWork } from './metric-work.js';

export interface MetricRunner {
  /** Loads a version in a thread that runs detection. @throws when it cannot be loaded. */
  load(model: ModelFiles): Promise<void>;
  /** The reply's JSON. @throws ExecutorError: 400 (bad data), 502 (Druid's answer unreadable), 500 (model). */
  detect(work: MetricWork, model: ModelFiles | null): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * Young-generation size of a metric worker (V8's default: 48 MB). A request allocates ~3.4 MB that lives as long as
 * the request, so with the default every few requests a scavenge copies a live request's rows and detections.
 */
const YOUNG_GENERATION_MB = 96;

export function createMetricRunner(options: { workers: number; k: number | undefined }): MetricRunner {
  const thread = options.workers === 0 ? inProcess(options.k) : threadPool(options.workers, options.k);
  return {
    load: async (model) => {
      unwrap(await thread.load(model));
    },
    detect: async (work, model) => {
      // A rejection is a worker that died: the request failed on our side.
      const bytes = unwrap(await thread.detect({ work, model }).catch(failureOf));
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    close: thread.close,
  };
}

type ClosableThread = MetricThread & { close(): Promise<void> };

function inProcess(k: number | undefined): ClosableThread {
  const thread = metricThread(k);
  return { ...thread, close: async () => thread.close() };
}

function threadPool(workers: number, k: number | undefined): ClosableThread {
  // Started at the first metric request: an executor serving only stations never starts the threads.
  let pool: Piscina | undefined;
  const start = () => {
    const { url, execArgv } = workerEntry('metric-worker', import.meta.url);
    return new Piscina({
      filename: fileURLToPath(url),
      minThreads: workers,
      maxThreads: workers,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      ...(execArgv ? { execArgv } : {}),
      workerData: { k },
    });
  };
  // Tasks under way, awaited before the pool closes: piscina 5's close, with two threads or more, may end before
  // its queue is empty and terminate the tasks still queued (their requests then failed at shutdown).
  const running = new Set<Promise<unknown>>();
  /** A call of metric-worker.ts's export `name`, typed by MetricThread as that module's exports are. */
  const call = <N extends keyof MetricThread>(
    name: N,
    argument: Parameters<MetricThread[N]>[0],
  ): ReturnType<MetricThread[N]> => {
    pool ??= start();
    const task = pool.run(argument, { name }) as ReturnType<MetricThread[N]>;
    running.add(task);
    const forget = () => running.delete(task);
    task.then(forget, forget);
    return task;
  };
  return {
    load: (model) => call('load', model),
    detect: (task) => call('detect', task),
    close: async () => {
      await Promise.allSettled(running);
      await pool?.close();
    },
  };
}
