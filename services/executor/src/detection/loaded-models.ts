/**
 * The trained models of one thread that runs metric detection (a worker thread, or the event loop with
 * METRIC_WORKERS=0): each version loaded once, at the first task that needs it, from files every thread shares.
 */
import type { LoadedAutoencoder } from './load-autoencoder.js';

/** A model version as threads receive it: its files in shared memory, so handing them over copies nothing. */
export interface ModelFiles {
  /** name@version */
  key: string;
  files: Record<string, Uint8Array>;
}

/** Copies a version's files into shared memory, once per version. */
export function sharedModelFiles(key: string, files: Record<string, Uint8Array>): ModelFiles {
  const shared: Record<string, Uint8Array> = {};
  for (const [name, bytes] of Object.entries(files)) {
    const copy = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
    copy.set(bytes);
    shared[name] = copy;
  }
  return { key, files: shared };
}

/** Versions kept per thread; the least recently used is disposed beyond it (a swap leaves the old one unused). */
export const KEPT_VERSIONS = 16;

export class LoadedModels {
  readonly #models = new Map<string, Promise<LoadedAutoencoder>>();

  constructor(private readonly load: (files: Record<string, Uint8Array>) => Promise<LoadedAutoencoder>) {}

  /** The loaded model of a version; a version that failed to load is tried again at its next use. */
  get({ key, files }: ModelFiles): Promise<LoadedAutoencoder> {
    let model = this.#models.get(key);
    if (model) {
      this.#models.delete(key);
    } else {
      // TF.js reads weights through ArrayBuffers, not shared ones: a private copy per thread.
      const own = Object.fromEntries(Object.entries(files).map(([name, bytes]) => [name, bytes.slice()]));
      model = this.load(own);
      model.catch(() => this.#models.delete(key));
    }
    this.#models.set(key, model);
    for (const [oldest, old] of this.#models) {
      if (this.#models.size <= KEPT_VERSIONS) break;
      this.#models.delete(oldest);
      disposeWhenLoaded(old);
    }
    return model;
  }

  disposeAll(): void {
    for (const model of this.#models.values()) disposeWhenLoaded(model);
    this.#models.clear();
  }
}

function disposeWhenLoaded(model: Promise<LoadedAutoencoder>): void {
  void model.then(
    (m) => m.dispose(),
    () => undefined,
  );
}
