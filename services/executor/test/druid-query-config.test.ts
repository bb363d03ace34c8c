import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('metric API configuration', () => {
  it('has defaults for every key it needs', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      DRUID_TIMEOUT_MS: 30000,
      MODEL_DIR: './var/models',
      MODEL_REFRESH_MS: 60000,
      METRIC: 'bytes',
    });
    expect(config.DRUID_URL).toBeUndefined();
    expect(config.S3_BUCKET).toBeUndefined();
    expect(config.DEFAULT_MODEL).toBeUndefined();
    expect(config.K).toBeUndefined();
  });

  it('reads and converts the keys', () => {
    const config = loadConfig({
      DRUID_URL: 'http://broker:8082',
      DRUID_TIMEOUT_MS: '5000',
      S3_ENDPOINT: 'http://minio:9000',
      S3_BUCKET: 'models',
      S3_PREFIX: 'outliers/',
      MODEL_REFRESH_MS: '0',
      DEFAULT_MODEL: 'global-1',
      METRIC: 'pkts',
      K: '4.5',
    });
    expect(config).toMatchObject({
      DRUID_TIMEOUT_MS: 5000,
      MODEL_REFRESH_MS: 0,
      DEFAULT_MODEL: 'global-1',
      K: 4.5,
    });
  });

  it.each([
    ['DRUID_URL', 'broker:8082'],
    ['DRUID_TIMEOUT_MS', '0'],
    ['S3_ENDPOINT', 'minio'],
    ['DEFAULT_MODEL', '../escape'],
    ['K', '0'],
    ['K', 'five'],
    ['MODEL_REFRESH_MS', '-1'],
  ])('rejects %s=%s naming the key', (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(key));
  });
});
