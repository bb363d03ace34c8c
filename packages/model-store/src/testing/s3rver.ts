/**
 * An s3rver (S3-compatible server) for tests: a free port on 127.0.0.1, a fresh temporary directory, one bucket.
 * Exported as `@outliers/model-store/testing`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { S3ModelStore } from '../s3-model-store.js';

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** A store on this server under `prefix` (static credentials, as s3rver accepts any). */
  store(prefix?: string): S3ModelStore;
  close(): Promise<void>;
}

export async function startTestS3(bucket = 'models'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'outliers-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const stores: S3ModelStore[] = [];
  return {
    endpoint,
    bucket,
    store(prefix = '') {
      const store = new S3ModelStore({
        bucket,
        prefix,
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      stores.push(store);
      return store;
    },
    async close() {
      for (const store of stores) store.close();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
