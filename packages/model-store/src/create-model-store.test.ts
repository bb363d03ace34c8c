import { describe, expect, it } from 'vitest';
import { createModelStore, modelStoreConfig } from './create-model-store.js';
import { DiskModelStore } from './disk-model-store.js';
import { S3ModelStore } from './s3-model-store.js';

describe('createModelStore', () => {
  it('uses the disk without a bucket', () => {
    const store = createModelStore({ modelDir: '/var/models' });
    expect(store).toBeInstanceOf(DiskModelStore);
    expect((store as DiskModelStore).root).toBe('/var/models');
  });

  it('uses S3 when a bucket is set', () => {
    const store = createModelStore({
      modelDir: '/unused',
      s3Bucket: 'models',
      s3Prefix: 'outliers/',
      s3Endpoint: 'http://127.0.0.1:4569',
    });
    expect(store).toBeInstanceOf(S3ModelStore);
    expect(store).toMatchObject({ bucket: 'models', prefix: 'outliers/' });
    store.close?.();
  });

  it('refuses an endpoint without a bucket', () => {
    expect(() => createModelStore({ modelDir: '/x', s3Endpoint: 'http://s3' })).toThrow(/S3_BUCKET/);
  });
});

describe('modelStoreConfig', () => {
  it('reads the executor variables', () => {
    expect(
      modelStoreConfig({
        MODEL_DIR: '/m',
        S3_BUCKET: 'b',
        S3_PREFIX: 'p/',
        S3_ENDPOINT: 'http://s3',
        S3_REGION: 'r',
      }),
    ).toEqual({ modelDir: '/m', s3Bucket: 'b', s3Prefix: 'p/', s3Endpoint: 'http://s3', s3Region: 'r' });
  });

  it('takes a directory given besides the variables, and needs a directory or a bucket', () => {
    expect(modelStoreConfig({ MODEL_DIR: '/m' }, '/given').modelDir).toBe('/given');
    expect(modelStoreConfig({ S3_BUCKET: 'b' }).s3Bucket).toBe('b');
    expect(() => modelStoreConfig({})).toThrow(/^MODEL_DIR: /);
  });
});
