/**
 * Names that become path segments (disk) or key segments (S3). Strict allow-lists, so no name can climb out of the
 * store's root (`..`, `/`, `\`, NUL, percent-encodings) or collide with the store's own files (`latest.json` lives
 * beside versions, `_manifest.json` inside them).
 */
import { randomBytes } from 'node:crypto';
import { InvalidModelNameError } from './errors.js';

/** Model names: letters, digits, `.`, `_`, `-`; starts with a letter or digit; at most 128 characters. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Version names as `newVersion` makes them: UTC time to the millisecond, then 8 random hex digits. */
export const VERSION_PATTERN = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;
/** File names inside a version: same alphabet as model names. */
export const FILE_NAME_PATTERN = MODEL_NAME_PATTERN;

/** The manifest that makes a version current. */
export const LATEST_MANIFEST = 'latest.json';
/** Written inside a version after all its files: a version without it is incomplete and invisible. */
export const VERSION_MANIFEST = '_manifest.json';

export function isValidModelName(name: unknown): name is string {
  return typeof name === 'string' && MODEL_NAME_PATTERN.test(name) && !name.includes('..');
}

/** @throws {InvalidModelNameError} */
export function assertModelName(name: unknown): asserts name is string {
  if (!isValidModelName(name)) throw new InvalidModelNameError('model', String(name));
}

/** @throws {InvalidModelNameError} */
export function assertVersion(version: unknown): asserts version is string {
  if (typeof version !== 'string' || !VERSION_PATTERN.test(version)) {
    throw new InvalidModelNameError('version', String(version));
  }
}

/** @throws {InvalidModelNameError} */
export function assertFileName(file: unknown): asserts file is string {
  if (typeof file !== 'string' || !FILE_NAME_PATTERN.test(file) || file.includes('..')) {
    throw new InvalidModelNameError('file', String(file));
  }
}

/**
 * A new version name that sorts after every earlier one (to the millisecond): `20240531T120000123Z-9f1c2a7b`.
 * The random suffix keeps two publishers in the same millisecond apart.
 */
export function newVersion(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}
