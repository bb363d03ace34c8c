/**
 * ModelStore on a local directory (MODEL_DIR). A version is written into a hidden temporary directory, completed
 * with its `_manifest.json`, then renamed into place; `latest.json` is replaced last by write-to-temp + rename. Both
 * renames are atomic on POSIX file systems, so readers see either the old or the new model, never a torn one.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelNotFoundError } from './errors.js';
import { assertNotPinned, currentManifest, newManifest, parseManifest } from './manifest.js';
import type { ModelManifest, ModelStore } from './model-store.js';
import {
  assertFileName,
  assertModelName,
  assertVersion,
  isValidModelName,
  LATEST_MANIFEST,
  VERSION_MANIFEST,
  VERSION_PATTERN,
} from './names.js';

export class DiskModelStore implements ModelStore {
  constructor(readonly root: string) {}

  async list(): Promise<string[]> {
    const entries = await readdirOrEmpty(this.root);
    const names: string[] = [];
    for (const entry of entries) {
      if (isValidModelName(entry) && (await exists(join(this.root, entry, LATEST_MANIFEST))))
        names.push(entry);
    }
    return names.sort();
  }

  async manifest(name: string): Promise<ModelManifest | null> {
    assertModelName(name);
    const bytes = await readOrNull(join(this.root, name, LATEST_MANIFEST));
    return bytes ? parseManifest(bytes, name) : null;
  }

  async versions(name: string): Promise<string[]> {
    assertModelName(name);
    const entries = await readdirOrEmpty(join(this.root, name));
    const complete: string[] = [];
    for (const entry of entries) {
      if (VERSION_PATTERN.test(entry) && (await exists(join(this.root, name, entry, VERSION_MANIFEST)))) {
        complete.push(entry);
      }
    }
    return complete.sort();
  }

  async readFile(name: string, version: string, file: string): Promise<Uint8Array> {
    assertModelName(name);
    assertVersion(version);
    assertFileName(file);
    const bytes = await readOrNull(join(this.root, name, version, file));
    if (!bytes) throw new ModelNotFoundError(name, version, file);
    return bytes;
  }

  async publish(
    name: string,
    files: Record<string, Uint8Array>,
    metadata?: Record<string, unknown>,
  ): Promise<ModelManifest> {
    const manifest = newManifest(name, files, metadata);
    assertNotPinned(await this.manifest(name));
    const { version } = manifest;
    const modelDir = join(this.root, name);
    const staging = join(modelDir, `.staging-${version}`);
    await mkdir(staging, { recursive: true });
    try {
      for (const [file, bytes] of Object.entries(files)) await writeFile(join(staging, file), bytes);
      await writeFile(join(staging, VERSION_MANIFEST), JSON.stringify(manifest));
      await rename(staging, join(modelDir, version));
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    await this.#writeLatest(manifest);
    return manifest;
  }

  async versionManifest(name: string, version: string): Promise<ModelManifest | null> {
    assertModelName(name);
    assertVersion(version);
    const bytes = await readOrNull(join(this.root, name, version, VERSION_MANIFEST));
    return bytes ? parseManifest(bytes, name) : null;
  }

  async activate(name: string, version: string, options: { pin?: boolean } = {}): Promise<ModelManifest> {
    const found = await this.versionManifest(name, version);
    if (!found) throw new ModelNotFoundError(name, version);
    const manifest = currentManifest(found, options.pin ?? false);
    await this.#writeLatest(manifest);
    return manifest;
  }

  async prune(name: string, keep: number): Promise<void> {
    assertModelName(name);
    const active = (await this.manifest(name))?.version;
    const versions = await this.versions(name);
    const doomed = versions.slice(0, Math.max(0, versions.length - Math.max(0, keep)));
    for (const version of doomed) {
      if (version !== active) await rm(join(this.root, name, version), { recursive: true, force: true });
    }
  }

  async #writeLatest(manifest: ModelManifest): Promise<void> {
    const target = join(this.root, manifest.name, LATEST_MANIFEST);
    const temp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, JSON.stringify(manifest));
    await rename(temp, target);
  }
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function readOrNull(path: string): Promise<Uint8Array | null> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
