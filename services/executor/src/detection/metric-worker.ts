/**
 * A metric worker thread (piscina): runs MetricWork with its own copy of each trained model, loaded from the shared
 * files at the first task that needs that version and kept for the next ones.
 */
import { workerData } from 'node:worker_threads';
import Piscina from 'piscina';
import { type LoadedAutoencoder, loadAutoencoder } from './load-autoencoder.js';
import type { MetricTask } from './metric-runner.js';
import { failureResult, type MetricWorkResult, runMetricWork } from './metric-work.js';

/** Versions kept per worker; the least recently used is disposed beyond it (a swap leaves the old one unused). */
const KEPT = 16;
const models = new Map<string, Promise<LoadedAutoencoder>>();
const { k } = workerData as { k: number | undefined };
const encoder = new TextEncoder();

function modelFor(key: string, files: Record<string, Uint8Array>): Promise<LoadedAutoencoder> {
  let model = models.get(key);
  if (model) {
    models.delete(key);
  } else {
    // TF.js reads weights through ArrayBuffers, not shared ones: a private copy per worker.
    const own = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, bytes.slice()]));
    model = loadAutoencoder(own, k);
    model.catch(() => models.delete(key));
  }
  models.set(key, model);
  for (const [oldest, old] of models) {
    if (models.size <= KEPT) break;
    models.delete(oldest);
    void old.then(
      (m) => m.dispose(),
      () => undefined,
    );
  }
  return model;
}

export default async function run({ work, model }: MetricTask): Promise<MetricWorkResult> {
  let trained: LoadedAutoencoder | undefined;
  if (model) {
    try {
      trained = await modelFor(model.key, model.files);
    } catch (error) {
      return failureResult(error);
    }
  }
  const result = runMetricWork(work, trained);
  if (!('body' in result) || typeof result.body !== 'string') return result;
  // The reply (~170 KiB for 1440 rows) goes back as bytes in a transferred buffer: no copy of the text to the
  // event loop, and no encoding there when it is written.
  const bytes = encoder.encode(result.body);
  return Piscina.move({
    [Piscina.transferableSymbol]: bytes.buffer,
    [Piscina.valueSymbol]: { body: bytes },
  }) as unknown as MetricWorkResult;
}
