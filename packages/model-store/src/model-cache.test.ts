import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DiskModelStore } from './disk-model-store.js';
import { CorruptModelError, InvalidModelNameError } from './errors.js';
import { ModelCache } from './model-cache.js';
import type { ModelManifest } from './model-store.js';

const text = (t: string) => new TextEncoder().encode(t);
const decode = (files: Record<string, Uint8Array>) => new TextDecoder().decode(files['model.json']);

/** A disk store that counts the manifest reads of others (not its own publishes'), to check the refresh interval. */
class CountingStore extends DiskModelStore {
  manifestReads = 0;
  private publishing = false;
  override manifest(name: string): Promise<ModelManifest | null> {
    if (!this.publishing) this.manifestReads++;
    return super.manifest(name);
  }
  override async publish(...args: Parameters<DiskModelStore['publish']>): Promise<ModelManifest> {
    this.publishing = true;
    try {
      return await super.publish(...args);
    } finally {
      this.publishing = false;
    }
  }
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

let root: string;
let store: CountingStore;
let clock: number;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'outliers-cache-'));
  store = new CountingStore(root);
  clock = 0;
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

type Load = (files: Record<string, Uint8Array>) => { tag: string } | Promise<{ tag: string }>;
const cacheWith = (load: Load = (files) => ({ tag: decode(files) }), extra = {}) =>
  new ModelCache({ store, load, refreshMs: 1000, now: () => clock, ...extra });

describe('ModelCache', () => {
  it('loads a model once and reads the manifest at most once per interval', async () => {
    await store.publish('m', { 'model.json': text('v1') });
    const load = vi.fn((files: Record<string, Uint8Array>) => ({ tag: decode(files) }));
    const cache = cacheWith(load);
    const [a, b] = await Promise.all([cache.get('m'), cache.get('m')]);
    expect(a?.model).toEqual({ tag: 'v1' });
    expect(b?.model).toBe(a?.model);
    for (let i = 0; i < 10; i++) await cache.get('m');
    expect(load).toHaveBeenCalledTimes(1);
    expect(store.manifestReads).toBe(1);
    clock = 1000;
    await cache.get('m');
    expect(store.manifestReads).toBe(2);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('remembers absent models for an interval and finds a new one at the first request after it', async () => {
    const cache = cacheWith();
    expect(await cache.get('later')).toBeNull();
    expect(await cache.get('later')).toBeNull();
    expect(store.manifestReads).toBe(1);
    await store.publish('later', { 'model.json': text('v1') });
    expect(await cache.get('later')).toBeNull();
    clock = 1000;
    expect((await cache.get('later'))?.model).toEqual({ tag: 'v1' });
  });

  it('swaps to a new version only once it is fully loaded; holders of the old one keep it', async () => {
    await store.publish('m', { 'model.json': text('v1') });
    const gate = deferred();
    const cache = cacheWith(async (files) => {
      if (decode(files) === 'v2') await gate.promise;
      return { tag: decode(files) };
    });
    const inFlight = (await cache.get('m'))!.model;

    await store.publish('m', { 'model.json': text('v2') });
    clock = 1000;
    // The check starts in the background; requests meanwhile are served by v1 at once.
    expect((await cache.get('m'))?.model.tag).toBe('v1');
    expect((await cache.get('m'))?.model.tag).toBe('v1');
    gate.resolve();
    await vi.waitFor(async () => expect((await cache.get('m'))?.model.tag).toBe('v2'));
    expect(inFlight).toEqual({ tag: 'v1' });
  });

  it('never serves a version whose files do not match the manifest, and keeps the old one', async () => {
    await store.publish('m', { 'model.json': text('v1') });
    const errors: unknown[] = [];
    const cache = cacheWith(undefined, { onError: (e: unknown) => errors.push(e) });
    await cache.get('m');
    const v2: ModelManifest = await store.publish('m', { 'model.json': text('v2-complete') });
    await writeFile(join(root, 'm', v2.version, 'model.json'), 'v2-torn');
    clock = 1000;
    await expect(cache.refresh('m')).rejects.toBeInstanceOf(CorruptModelError);
    expect((await cache.get('m'))?.model.tag).toBe('v1');
    clock = 2000;
    await cache.get('m');
    await vi.waitFor(() => expect(errors[0]).toBeInstanceOf(CorruptModelError));
    expect((await cache.get('m'))?.model.tag).toBe('v1');
  });

  it('reports a failing first load to the caller', async () => {
    const cache = cacheWith(() => {
      throw new Error('bad weights');
    });
    await store.publish('m', { 'model.json': text('v1') });
    await expect(cache.get('m')).rejects.toThrow('bad weights');
    // Until the next check the failure is repeated: the model exists, it is not "absent".
    await expect(cache.get('m')).rejects.toThrow('bad weights');
    expect(store.manifestReads).toBe(1);
  });

  it('disposes a replaced model after the grace delay, not before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await store.publish('m', { 'model.json': text('v1') });
      const disposed: string[] = [];
      const cache = cacheWith(undefined, {
        dispose: (m: { tag: string }) => disposed.push(m.tag),
        disposeDelayMs: 500,
      });
      await cache.get('m');
      await store.publish('m', { 'model.json': text('v2') });
      await cache.refresh('m');
      expect(disposed).toEqual([]);
      vi.advanceTimersByTime(500);
      expect(disposed).toEqual(['v1']);
      cache.close();
      expect(disposed).toEqual(['v1', 'v2']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects invalid names before touching the store', async () => {
    const cache = cacheWith();
    await expect(cache.get('../etc')).rejects.toBeInstanceOf(InvalidModelNameError);
    expect(store.manifestReads).toBe(0);
  });
});
