/**
 * Loaded models kept in memory per name, refreshed from a ModelStore.
 * - At most one manifest check per name every `refreshMs`; checks of a model already loaded run in the background
 *   (requests keep being served by the loaded version), checks of an absent model are awaited (cheap: one manifest
 *   read) so a freshly published model is served at the first request after the interval.
 * - A new version is read completely, its sizes checked against the manifest and `load`ed before it replaces the
 *   old one; requests that already hold the old model finish with it. A version that fails to load is never served.
 * - Unknown names are cached as absent too, so resolution fallbacks do not hit the store on every request.
 */

import { readVersionFiles } from './manifest.js';
import type { ModelManifest, ModelStore } from './model-store.js';
import { assertModelName } from './names.js';

export interface CachedModel<T> {
  model: T;
  manifest: ModelManifest;
}

export interface ModelCacheOptions<T> {
  store: ModelStore;
  /** Turns a version's verified files into a usable model (e.g. `Autoencoder.fromFiles`). */
  load: (files: Record<string, Uint8Array>, manifest: ModelManifest) => T | Promise<T>;
  /** Minimum time between two manifest checks of one name. @defaultValue 60000 */
  refreshMs?: number;
  /**
   * Frees a replaced model, `disposeDelayMs` after the swap so requests still holding it can finish
   * (TF.js weights live outside the JS heap and are not garbage-collected).
   */
  dispose?: (model: T) => void;
  /** @defaultValue 30000 */
  disposeDelayMs?: number;
  /** Background refresh failures (the previous version stays in service). */
  onError?: (error: unknown, name: string) => void;
  /** Clock in ms. @defaultValue Date.now */
  now?: () => number;
}

interface Entry<T> {
  current: CachedModel<T> | null;
  checkedAt: number;
  pending?: Promise<void> | undefined;
  /** Why the last check failed while nothing was loaded: repeated until the next check, not turned into "absent". */
  failure?: unknown;
}

export class ModelCache<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #options: Required<Omit<ModelCacheOptions<T>, 'dispose' | 'onError'>> &
    Pick<ModelCacheOptions<T>, 'dispose' | 'onError'>;

  constructor(options: ModelCacheOptions<T>) {
    this.#options = { refreshMs: 60_000, disposeDelayMs: 30_000, now: Date.now, ...options };
  }

  /**
   * The current model of `name`, or null when the store has none.
   * @throws {InvalidModelNameError} for a name that is not allowed.
   * @throws whatever the store or `load` throws on the first load of a name (later failures keep the old model).
   */
  async get(name: string): Promise<CachedModel<T> | null> {
    assertModelName(name);
    let entry = this.#entries.get(name);
    if (!entry) {
      entry = { current: null, checkedAt: Number.NEGATIVE_INFINITY };
      this.#entries.set(name, entry);
    }
    if (entry.pending && !entry.current) await entry.pending;
    const stale = this.#options.now() - entry.checkedAt >= this.#options.refreshMs;
    if (stale) {
      const check = this.#check(name, entry);
      if (entry.current) check.catch((error: unknown) => this.#options.onError?.(error, name));
      else await check;
    }
    if (!entry.current && entry.failure !== undefined) throw entry.failure;
    return entry.current;
  }

  /** Checks the store now (whatever the interval) and waits for any new version to be loaded. */
  async refresh(name: string): Promise<CachedModel<T> | null> {
    assertModelName(name);
    const entry = this.#entries.get(name) ?? { current: null, checkedAt: Number.NEGATIVE_INFINITY };
    this.#entries.set(name, entry);
    if (entry.pending) await entry.pending.catch(() => undefined);
    await this.#check(name, entry);
    return entry.current;
  }

  /** Disposes every model now and forgets them. */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const entry of this.#entries.values())
      if (entry.current) this.#options.dispose?.(entry.current.model);
    this.#entries.clear();
  }

  #check(name: string, entry: Entry<T>): Promise<void> {
    entry.pending ??= this.#load(name, entry).finally(() => {
      entry.pending = undefined;
    });
    return entry.pending;
  }

  async #load(name: string, entry: Entry<T>): Promise<void> {
    try {
      const manifest = await this.#options.store.manifest(name);
      if (!manifest) {
        entry.failure = undefined;
        return this.#swap(entry, null);
      }
      if (entry.current?.manifest.version === manifest.version) return;
      const files = await readVersionFiles(this.#options.store, manifest);
      const model = await this.#options.load(files, manifest);
      this.#swap(entry, { model, manifest });
      entry.failure = undefined;
    } catch (error) {
      if (!entry.current) entry.failure = error;
      throw error;
    } finally {
      // A failed check also counts: a broken store or version is retried after the interval, not on every request.
      entry.checkedAt = this.#options.now();
    }
  }

  #swap(entry: Entry<T>, next: CachedModel<T> | null): void {
    const old = entry.current;
    entry.current = next;
    const dispose = this.#options.dispose;
    if (!old || !dispose) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      dispose(old.model);
    }, this.#options.disposeDelayMs);
    timer.unref();
    this.#timers.add(timer);
  }
}
