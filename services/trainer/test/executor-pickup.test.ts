/**
 * The executor's side of publishing: a ModelCache (as the executor configures it: load = AutoencoderModel.fromFiles,
 * refresh interval) over the same S3 store serves a newly published version within its refresh interval, and a
 * rollback the same way.
 */

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AutoencoderModel } from '@outliers/core/autoencoder';
import { redborderFixture } from '@outliers/druid/testing';
import { ModelCache } from '@outliers/model-store';
import { startTestS3, type TestS3 } from '@outliers/model-store/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rollback } from '../src/commands/rollback.js';
import { trainSensorModel } from '../src/jobs/train-sensor-model.js';
import { trainAutoencoder } from '../src/training/autoencoder-trainer.js';
import { SensorTrainingSource } from '../src/training/sensor-source.js';
import { TINY_TRAINING } from './fixtures.js';
import { tempDir } from './temp-dirs.js';

const REFRESH_MS = 300;
let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3('models');
});
afterAll(() => s3.close());

it('an executor cache picks up a new version within its refresh interval', { timeout: 60_000 }, async () => {
  const trainerStore = s3.store('shared');
  const executorStore = s3.store('shared');
  // The file source, with redBorder's 60 one-minute rows (a Druid timeseries response).
  const file = join(await tempDir('pickup-'), 'traffic.json');
  await writeFile(file, JSON.stringify(redborderFixture('druid_traffic_60x1m')));
  const sensor = { name: 'lab-1', file, metrics: ['bytes', 'pkts'] };
  const deps = {
    source: new SensorTrainingSource(undefined),
    train: trainAutoencoder,
    store: trainerStore,
    publish: { keepVersions: 5, maxLossRatio: 1e9, rejectedDirectory: '/tmp/unused' },
    log: pino({ level: 'silent' }),
    node: 'n',
  };
  const cache = new ModelCache<AutoencoderModel>({
    store: executorStore,
    refreshMs: REFRESH_MS,
    disposeDelayMs: 0,
    load: (files) => AutoencoderModel.fromFiles(files),
    dispose: (m) => m.dispose(),
  });
  try {
    expect(await cache.get('lab-1')).toBeNull();
    const v1 = await trainSensorModel({ sensor, training: TINY_TRAINING }, deps);
    await sleep(REFRESH_MS);
    expect((await cache.get('lab-1'))?.manifest.version).toBe(v1.version);

    const v2 = await trainSensorModel({ sensor, training: { ...TINY_TRAINING, seed: 8 } }, deps);
    expect(await servedWithin(cache, v2.version!, 3 * REFRESH_MS + 2000)).toBe(true);

    await rollback(trainerStore, 'lab-1', v1.version!);
    expect(await servedWithin(cache, v1.version!, 3 * REFRESH_MS + 2000)).toBe(true);
  } finally {
    cache.close();
  }
});

/** Asks the cache as requests would until it serves `version`. */
async function servedWithin(
  cache: ModelCache<AutoencoderModel>,
  version: string,
  ms: number,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await cache.get('lab-1'))?.manifest.version === version) return true;
    await sleep(50);
  }
  return false;
}
