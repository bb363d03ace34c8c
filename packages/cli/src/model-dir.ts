import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { METADATA_JSON, MODEL_JSON, type ModelFiles, WEIGHTS_BIN } from '@outliers/core/autoencoder';

/**
 * Writes a model's files into `dir`, each through a temporary file and a rename (a reader never sees a partial
 * file), metadata.json last (a directory with metadata.json holds a complete model).
 */
export function writeModelFiles(dir: string, files: ModelFiles): void {
  mkdirSync(dir, { recursive: true });
  for (const name of [MODEL_JSON, WEIGHTS_BIN, METADATA_JSON] as const) {
    const temporary = join(dir, `.${name}.${process.pid}.tmp`);
    writeFileSync(temporary, files[name]);
    renameSync(temporary, join(dir, name));
  }
}

/** Reads the files written by `writeModelFiles`. @throws {Error} naming a missing file. */
export function readModelFiles(dir: string): ModelFiles {
  const read = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
  return {
    [MODEL_JSON]: read(MODEL_JSON),
    [WEIGHTS_BIN]: read(WEIGHTS_BIN),
    [METADATA_JSON]: read(METADATA_JSON),
  };
}
