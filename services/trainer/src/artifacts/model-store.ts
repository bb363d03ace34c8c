/** The node's model store: S3 when configured, the local directory otherwise. */
import { DiskModelStore, type ModelStore, S3ModelStore } from '@outliers/model-store';
import type { TrainerConfig } from '../config.js';

export function openModelStore(
  config: Pick<TrainerConfig, 's3' | 'store'>,
): ModelStore & { close?: () => void } {
  const { s3 } = config;
  if (!s3) return new DiskModelStore(config.store.directory);
  return new S3ModelStore({
    bucket: s3.bucket,
    prefix: s3.prefix,
    region: s3.region,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    ...(s3.accessKeyId && s3.secretAccessKey
      ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } }
      : {}),
  });
}
