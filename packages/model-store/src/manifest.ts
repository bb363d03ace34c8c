/** Building, checking and following manifests; shared by both stores and the cache. */
import { CorruptModelError, PinnedModelError } from './errors.js';
import type { ModelManifest, ModelStore } from './model-store.js';
import { assertFileName, assertModelName, assertVersion, isValidModelName, newVersion } from './names.js';

/**
 * The manifest of a new version of `name` holding `files`: checks the name and the files, then picks a fresh,
 * time-sortable version. Both stores publish through it.
 * @throws {InvalidModelNameError} / {RangeError} for a bad name or bad files.
 */
export function newManifest(
  name: string,
  files: Record<string, Uint8Array>,
  metadata?: Record<string, unknown>,
): ModelManifest {
  assertModelName(name);
  assertPublishable(files);
  const sizes: Record<string, number> = {};
  for (const [file, bytes] of Object.entries(files)) sizes[file] = bytes.byteLength;
  return {
    name,
    version: newVersion(),
    files: sizes,
    publishedAt: new Date().toISOString(),
    ...(metadata ? { metadata } : {}),
  };
}

/**
 * Parses a stored manifest and checks it belongs to `name` and names only valid files.
 * @throws {CorruptModelError} when it does not.
 */
export function parseManifest(bytes: Uint8Array | string, name: string): ModelManifest {
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes));
  } catch {
    throw new CorruptModelError(name, '?', 'manifest is not valid JSON');
  }
  const m = value as Partial<ModelManifest> | null;
  const version = typeof m?.version === 'string' ? m.version : '?';
  try {
    if (!m || m.name !== name || !isValidModelName(m.name)) throw new Error('manifest names another model');
    assertVersion(m.version);
    if (!m.files || typeof m.files !== 'object' || Object.keys(m.files).length === 0)
      throw new Error('no files');
    for (const [file, size] of Object.entries(m.files)) {
      assertFileName(file);
      if (!Number.isInteger(size) || size < 0) throw new Error(`bad size for ${file}`);
    }
    if (typeof m.publishedAt !== 'string') throw new Error('no publishedAt');
    if (m.pinned !== undefined && typeof m.pinned?.at !== 'string') throw new Error('bad pinned');
  } catch (e) {
    throw new CorruptModelError(name, version, (e as Error).message);
  }
  return m as ModelManifest;
}

/** Checks files to publish: at least one, valid names, bytes. @throws {InvalidModelNameError} / {RangeError} */
function assertPublishable(files: Record<string, Uint8Array>): void {
  const names = Object.keys(files);
  if (names.length === 0) throw new RangeError('files: a model needs at least one file');
  for (const file of names) {
    assertFileName(file);
    if (!(files[file] instanceof Uint8Array)) throw new RangeError(`files.${file}: expected bytes`);
  }
}

/**
 * Reads every file a manifest lists and checks each size, so a torn or truncated upload is never handed out.
 * @throws {CorruptModelError} on a size mismatch; whatever the store throws for a missing file.
 */
export async function readVersionFiles(
  store: ModelStore,
  manifest: ModelManifest,
): Promise<Record<string, Uint8Array>> {
  const entries = await Promise.all(
    Object.entries(manifest.files).map(async ([file, size]) => {
      const bytes = await store.readFile(manifest.name, manifest.version, file);
      if (bytes.byteLength !== size) {
        throw new CorruptModelError(
          manifest.name,
          manifest.version,
          `${file} has ${bytes.byteLength} bytes, manifest says ${size}`,
        );
      }
      return [file, bytes] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** `manifest` as the current one: pinned now when `pin`, else without a pin. */
export function currentManifest(manifest: ModelManifest, pin: boolean): ModelManifest {
  const { pinned: _, ...rest } = manifest;
  return pin ? { ...rest, pinned: { at: new Date().toISOString() } } : rest;
}

/** @throws {PinnedModelError} when `current` (the model's current manifest) is pinned. */
export function assertNotPinned(current: ModelManifest | null): void {
  if (current?.pinned) throw new PinnedModelError(current.name, current.version);
}
