/**
 * A trained model version is loaded once per thread that runs detection: on the event loop only when it runs them
 * (METRIC_WORKERS=0), never when worker threads do; each of those loads its own, once.
 */
import { DiskModelStore } from '@outliers/model-store';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAutoencoder } from '../src/detection/load-autoencoder.js';
import { sharedModelFiles } from '../src/detection/loaded-models.js';
import { metricThread } from '../src/detection/metric-thread.js';
import { tempDir } from './support/helpers.js';
import {
  base64,
  druidResponse,
  formRequest,
  HOUR,
  START,
  startMetricApp,
  trafficRows,
  trainedModelFiles,
} from './support/metric-support.js';

vi.mock('../src/detection/load-autoencoder.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/detection/load-autoencoder.js')>();
  return { ...actual, loadAutoencoder: vi.fn(actual.loadAutoencoder) };
});

const data = base64(druidResponse(trafficRows(48, { start: START + 15 * 24 * HOUR })));
let dir: Awaited<ReturnType<typeof tempDir>>;
let store: DiskModelStore;
let files: Record<string, Uint8Array>;

beforeAll(async () => {
  files = await trainedModelFiles();
  dir = await tempDir();
  store = new DiskModelStore(dir.path);
}, 60_000);
afterAll(() => dir?.remove());

async function serveTwoVersions(workers: string): Promise<void> {
  const name = `m-${workers}`;
  const app = await startMetricApp({
    modelStore: store,
    env: { METRIC_WORKERS: workers, MODEL_REFRESH_MS: '0' },
  });
  try {
    for (let version = 0; version < 2; version++) {
      await store.publish(name, files);
      for (let i = 0; i < 3; i++) {
        const res = await app.app.inject({
          method: 'POST',
          url: '/api/v1/outliers',
          ...formRequest({ data, model: base64(name) }),
        });
        expect(res.statusCode, res.body).toBe(200);
      }
    }
  } finally {
    await app.close();
  }
}

describe('model loads', () => {
  it('a thread (metricThread, as every worker runs it) loads a version once for all its calls', async () => {
    vi.mocked(loadAutoencoder).mockClear();
    const thread = metricThread(undefined);
    const v1 = sharedModelFiles('m@1', files);
    const work = {
      rows: { data: { base64: data } },
      metric: 'bytes',
      model: { name: 'm', kind: 'autoencoder', version: '1', resolvedBy: 'model' },
    };
    expect(await thread.load(v1)).toEqual({ value: null });
    for (let i = 0; i < 3; i++) expect('value' in (await thread.detect({ work, model: v1 }))).toBe(true);
    expect(loadAutoencoder).toHaveBeenCalledTimes(1);
    await thread.detect({ work, model: sharedModelFiles('m@2', files) });
    expect(loadAutoencoder).toHaveBeenCalledTimes(2);
    thread.close();
  });

  it('METRIC_WORKERS=0: the event loop loads each version once', async () => {
    vi.mocked(loadAutoencoder).mockClear();
    await serveTwoVersions('0');
    expect(loadAutoencoder).toHaveBeenCalledTimes(2);
  });

  it('METRIC_WORKERS=1: the event loop never loads a model', async () => {
    vi.mocked(loadAutoencoder).mockClear();
    await serveTwoVersions('1');
    expect(loadAutoencoder).not.toHaveBeenCalled();
  }, 30_000);
});
