/** Typed errors of the model store; services map them to statuses (400 bad name, 404 not found, 500 corrupt). */

/** A model, version or file name that is not allowed (path traversal, separators, empty, too long). */
export class InvalidModelNameError extends RangeError {
  override readonly name = 'InvalidModelNameError';
  constructor(
    readonly kind: 'model' | 'version' | 'file',
    readonly value: string,
  ) {
    super(`invalid ${kind} name ${JSON.stringify(value).slice(0, 140)}`);
  }
}

/** The model, version or file does not exist in the store. */
export class ModelNotFoundError extends Error {
  override readonly name = 'ModelNotFoundError';
  constructor(
    readonly model: string,
    readonly version?: string,
    readonly file?: string,
  ) {
    super(`model ${model}${version ? ` version ${version}` : ''}${file ? ` file ${file}` : ''} not found`);
  }
}

/** A stored file does not match its manifest (size), or a manifest is unreadable: never served. */
export class CorruptModelError extends Error {
  override readonly name = 'CorruptModelError';
  constructor(
    readonly model: string,
    readonly version: string,
    message: string,
  ) {
    super(`model ${model} version ${version}: ${message}`);
  }
}

/** The model is pinned to a version (a rollback): publishing over it is refused until it is unpinned. */
export class PinnedModelError extends Error {
  override readonly name = 'PinnedModelError';
  constructor(
    readonly model: string,
    readonly version: string,
  ) {
    super(`model ${model} is pinned to version ${version}: unpin it to publish`);
  }
}
