import { describe, expect, it, vi } from 'vitest';
import type { LoadedAutoencoder } from './load-autoencoder.js';
import { KEPT_VERSIONS, LoadedModels, sharedModelFiles } from './loaded-models.js';

const version = (n: number) => sharedModelFiles(`m@${n}`, { 'weights.bin': new Uint8Array([n]) });

function models(fail = false) {
  const disposed: number[] = [];
  const load = vi.fn(async (files: Record<string, Uint8Array>): Promise<LoadedAutoencoder> => {
    if (fail) throw new Error('corrupt');
    const n = files['weights.bin']![0]!;
    const detect = () => {
      throw new Error('not run here');
    };
    return { detect, dispose: () => disposed.push(n) };
  });
  return { loaded: new LoadedModels(load), load, disposed };
}

describe('LoadedModels (one thread)', () => {
  it('loads each version once, from a private copy of its shared files', async () => {
    const { loaded, load } = models();
    const v1 = version(1);
    const first = await loaded.get(v1);
    expect(await loaded.get(v1)).toBe(first);
    expect(await loaded.get(sharedModelFiles('m@1', v1.files))).toBe(first);
    expect(load).toHaveBeenCalledTimes(1);
    const files = load.mock.calls[0]![0];
    expect(files['weights.bin']!.buffer).toBeInstanceOf(ArrayBuffer);
    expect(v1.files['weights.bin']!.buffer).toBeInstanceOf(SharedArrayBuffer);
    await loaded.get(version(2));
    expect(load).toHaveBeenCalledTimes(2);
  });

  it(`keeps ${KEPT_VERSIONS} versions, disposing the least recently used beyond them`, async () => {
    const { loaded, load, disposed } = models();
    for (let n = 1; n <= KEPT_VERSIONS; n++) await loaded.get(version(n));
    await loaded.get(version(1));
    await loaded.get(version(KEPT_VERSIONS + 1));
    await vi.waitFor(() => expect(disposed).toEqual([2]));
    await loaded.get(version(1));
    expect(load).toHaveBeenCalledTimes(KEPT_VERSIONS + 1);
    loaded.disposeAll();
    await vi.waitFor(() => expect(disposed).toHaveLength(KEPT_VERSIONS + 1));
  });

  it('tries a version that failed to load again at its next use', async () => {
    const { loaded, load } = models(true);
    await expect(loaded.get(version(1))).rejects.toThrow('corrupt');
    await expect(loaded.get(version(1))).rejects.toThrow('corrupt');
    expect(load).toHaveBeenCalledTimes(2);
  });
});
