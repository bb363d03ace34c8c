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
  /** Writes all files of a new version, then the manifest naming it; returns the manifest. */
  publish(
    name: string,
    files: Record<string, Uint8Array>,
    metadata?: Record<string, unknown>,
  ): Promise<ModelManifest>;
  /** Points the manifest at an existing version (rollback). */
  activate(name: string, version: string): Promise<ModelManifest>;
  /** Deletes all but the newest `keep` versions (never the active one). */
  prune(name: string, keep: number): Promise<void>;
}
