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

/** The variables the executor reads for its model store; tools that publish for it read the same ones. */
export type ModelStoreEnv = Partial<
  Record<'MODEL_DIR' | 'S3_ENDPOINT' | 'S3_BUCKET' | 'S3_PREFIX' | 'S3_REGION', string | undefined>
>;

/**
 * The store configuration from those variables: S3 when S3_BUCKET is set, else the directory `modelDir`.
 * @throws {RangeError} naming MODEL_DIR when neither a bucket nor a directory is given.
 */
export function modelStoreConfig(env: ModelStoreEnv, modelDir = env.MODEL_DIR): ModelStoreConfig {
  if (!env.S3_BUCKET && !modelDir) throw new RangeError('MODEL_DIR: required when S3_BUCKET is not set');
  return {
    modelDir: modelDir ?? '',
    s3Endpoint: env.S3_ENDPOINT,
    s3Bucket: env.S3_BUCKET,
    s3Prefix: env.S3_PREFIX,
    s3Region: env.S3_REGION,
  };
}
