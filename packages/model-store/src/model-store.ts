/**
 * Where trained models live. Layout, the same on disk and in S3 (relative to the store's root or prefix):
 *   <name>/<version>/<file>   the model's files (TF.js model.json, weights.bin, metadata.json, ...)
 *   <name>/latest.json        the manifest: which version is current; written last, atomically
 * Readers only ever follow the manifest, so a half-written version is never served.
 */
export interface ModelManifest {
  name: string;
  version: string;
  /** File names present in the version, with their byte sizes (readers verify them). */
  files: Record<string, number>;
  publishedAt: string;
  /** Free-form facts about the model (losses, data range, ...). */
  metadata?: Record<string, unknown>;
  /** Set on the current manifest by a pinning `activate` (a rollback): no publish replaces it until unpinned. */
  pinned?: { at: string };
}

export interface ModelStore {
  /** Model names that have a manifest. */
  list(): Promise<string[]>;
  /** The current manifest of a model, or null when there is none. */
  manifest(name: string): Promise<ModelManifest | null>;
  /** Versions present for a model, oldest first. */
  versions(name: string): Promise<string[]>;
  /** One file of one version. */
  readFile(name: string, version: string, file: string): Promise<Uint8Array>;
  /** The manifest of one complete version (current or not), or null when there is no such version. */
  versionManifest(name: string, version: string): Promise<ModelManifest | null>;
  /**
   * Writes all files of a new version, then the manifest naming it; returns the manifest.
   * @throws {PinnedModelError} when the current manifest is pinned (checked first; nothing is written).
   */
  publish(
    name: string,
    files: Record<string, Uint8Array>,
    metadata?: Record<string, unknown>,
  ): Promise<ModelManifest>;
  /**
   * Points the manifest at an existing version (a rollback), pinned there when `pin` (later publishes are refused
   * until it is activated again without `pin`), unpinned otherwise.
   * @throws {ModelNotFoundError} when the version does not exist.
   */
  activate(name: string, version: string, options?: { pin?: boolean }): Promise<ModelManifest>;
  /** Deletes all but the newest `keep` versions (never the active one). */
  prune(name: string, keep: number): Promise<void>;
}
