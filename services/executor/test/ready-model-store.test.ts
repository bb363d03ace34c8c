import { startTestS3 } from '@outliers/model-store/testing';
import { afterEach, expect, it, vi } from 'vitest';
import { appPerTest } from './support/helpers.js';

const apps = appPerTest();
afterEach(() => {
  vi.unstubAllEnvs();
});

it('answers /ready 503 naming the model store while its S3 bucket cannot be read, and 200 when it can', async () => {
  const s3 = await startTestS3('outliers-models');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
  try {
    const env = { S3_ENDPOINT: s3.endpoint, S3_BUCKET: s3.bucket, S3_REGION: 'us-east-1' };
    const app = await apps.start(env);
    expect((await app.inject({ url: '/ready' })).json()).toMatchObject({ status: 'ready' });
    await s3.close();
    const down = await app.inject({ url: '/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      status: 'unavailable',
      reason: expect.stringContaining('model store (S3 bucket outliers-models) cannot be reached'),
    });
    expect((await app.inject({ url: '/health' })).statusCode).toBe(200);
  } finally {
    await s3.close().catch(() => undefined);
  }
});

it('is ready on the embedded disk store, even before any model was published', async () => {
  const app = await apps.start();
  expect((await app.inject({ url: '/ready' })).statusCode).toBe(200);
});
