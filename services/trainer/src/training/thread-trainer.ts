/**
 * Runs training in a worker thread. TF.js (wasm or cpu backend) trains synchronously between its awaits, holding the
 * event loop for whole batches; on the worker's event loop that would delay BullMQ's lock renewal and let a healthy
 * job be declared stalled. A thread keeps the main loop free, shares the process (a killed node takes its training
 * with it: no orphan publishes later), and costs one TF.js load per thread, which is reused across jobs.
 *
 * Why not BullMQ's sandboxed processor: it would move Druid, the model store and config into the child too, and a
 * child process can outlive a killed parent; only the CPU-bound step needs isolating.
 */
import { Worker } from 'node:worker_threads';
import { UnrecoverableError } from 'bullmq';
import type { LabeledSeries, TrainedModel, TrainOptions } from './train-function.js';

export interface ThreadRequest {
  id: number;
  series: LabeledSeries[];
  options: TrainOptions;
}

export type ThreadReply =
  | { id: number; ok: true; model: TrainedModel }
  | { id: number; ok: false; error: { name: string; message: string; invalidInput: boolean } };

const ENTRY = new URL(`./training-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

export class ThreadTrainer {
  #worker: Worker | undefined;
  #nextId = 0;
  #pending = new Map<
    number,
    { worker: Worker; resolve: (m: TrainedModel) => void; reject: (e: Error) => void }
  >();

  /**
   * Trains in the thread (started on first use). Aborting `signal` terminates the thread, and with it the training.
   * @throws {UnrecoverableError} when the training rejects its input (it would reject it again on retry).
   */
  train(series: LabeledSeries[], options: TrainOptions, signal?: AbortSignal): Promise<TrainedModel> {
    signal?.throwIfAborted();
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise<TrainedModel>((resolve, reject) => {
      const onAbort = () => {
        reject(
          signal?.reason instanceof Error ? signal.reason : new Error(`training aborted: ${signal?.reason}`),
        );
        void this.close();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle =
        <T>(fn: (v: T) => void) =>
        (v: T) => {
          signal?.removeEventListener('abort', onAbort);
          fn(v);
        };
      this.#pending.set(id, { worker, resolve: settle(resolve), reject: settle(reject) });
      worker.postMessage({ id, series, options } satisfies ThreadRequest);
    });
  }

  /** Stops the thread; pending trainings reject. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await worker.terminate();
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = spawnThread();
    worker.on('message', (reply: ThreadReply) => {
      const pending = this.#pending.get(reply.id);
      if (!pending) return;
      this.#pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.model);
      else {
        const message = `${reply.error.name}: ${reply.error.message}`;
        pending.reject(reply.error.invalidInput ? new UnrecoverableError(message) : new Error(message));
      }
    });
    const failAll = (err: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const [id, p] of this.#pending) {
        if (p.worker !== worker) continue;
        this.#pending.delete(id);
        p.reject(err);
      }
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`training thread exited (code ${code})`)));
    this.#worker = worker;
    return worker;
  }
}

/**
 * Starts the thread. From sources (tests, `pnpm start`), the thread registers tsx itself: loader hooks of the main
 * thread do not reach worker threads on Node 20.
 */
function spawnThread(): Worker {
  if (ENTRY.pathname.endsWith('.js')) return new Worker(ENTRY);
  const bootstrap = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(ENTRY.href)}); })`;
  return new Worker(bootstrap, { eval: true, execArgv: ['--conditions=source'] });
}
