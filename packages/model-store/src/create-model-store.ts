/** Chooses the model store from configuration: S3 when a bucket is configured, the local directory otherwise. */
import { DiskModelStore } from './disk-model-store.js';
import type { ModelStore } from './model-store.js';
import { S3ModelStore } from './s3-model-store.js';

export interface ModelStoreConfig {
  /** MODEL_DIR: root of the disk store. */
  modelDir: string;
  /** S3_ENDPOINT: custom endpoint (MinIO, s3rver); unset for AWS. */
  s3Endpoint?: string | undefined;
  /** S3_BUCKET: selects the S3 store when set. */
  s3Bucket?: string | undefined;
  /** S3_PREFIX */
  s3Prefix?: string | undefined;
  /** S3_REGION */
  s3Region?: string | undefined;
}

/** @throws {RangeError} when S3_ENDPOINT is set without S3_BUCKET (a half-configured S3 is a mistake, not disk). */
export function createModelStore(config: ModelStoreConfig): ModelStore & { close?: () => void } {
  if (config.s3Bucket) {
    return new S3ModelStore({
      bucket: config.s3Bucket,
      ...(config.s3Prefix ? { prefix: config.s3Prefix } : {}),
      ...(config.s3Endpoint ? { endpoint: config.s3Endpoint } : {}),
      ...(config.s3Region ? { region: config.s3Region } : {}),
    });
  }
  if (config.s3Endpoint) throw new RangeError('S3_BUCKET: required when S3_ENDPOINT is set');
  return new DiskModelStore(config.modelDir);
}
