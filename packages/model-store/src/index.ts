export {
  createModelStore,
  type ModelStoreConfig,
  type ModelStoreEnv,
  modelStoreConfig,
} from './create-model-store.js';
export { DiskModelStore } from './disk-model-store.js';
export { CorruptModelError, InvalidModelNameError, ModelNotFoundError, PinnedModelError } from './errors.js';
export { parseManifest, readVersionFiles } from './manifest.js';
export { type CachedModel, ModelCache, type ModelCacheOptions } from './model-cache.js';
export type { ModelManifest, ModelStore } from './model-store.js';
export {
  assertModelName,
  isValidModelName,
  LATEST_MANIFEST,
  MODEL_NAME_PATTERN,
  newVersion,
  VERSION_MANIFEST,
  VERSION_PATTERN,
} from './names.js';
export { S3ModelStore, type S3ModelStoreOptions } from './s3-model-store.js';
