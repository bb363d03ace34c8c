/**
 * One sensor's training end to end with real components: the Druid stand-in (HTTP), the disk store and an S3 store
 * on s3rver, core's autoencoder (tiny: 2 epochs, window 8).
 */

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AutoencoderModel } from '@outliers/core/autoencoder';
import { DruidClient } from '@outliers/druid';
import { type DruidStandIn, startDruidStandIn } from '@outliers/druid/testing';
import { DiskModelStore, readVersionFiles, S3ModelStore } from '@outliers/model-store';
import { startTestS3, type TestS3 } from '@outliers/model-store/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RollbackError, rollback, unpin } from '../src/commands/rollback.js';
import { sensorStatus } from '../src/commands/status.js';
import type { SensorConfig } from '../src/config.js';
import { type TrainSensorDeps, trainSensorModel } from '../src/jobs/train-sensor-model.js';
import type { TrainSensorPayload } from '../src/queues.js';
import { trainAutoencoder } from '../src/training/autoencoder-trainer.js';
import { DruidTrainingSource } from '../src/training/druid-source.js';
import { SensorTrainingSource } from '../src/training/sensor-source.js';
import type { TrainFunction } from '../src/training/train-function.js';
import { startFaultyProxy } from './faulty-proxy.js';
import { asDruidResponse, TINY_TRAINING, trafficRows } from './fixtures.js';
import { tempDir } from './temp-dirs.js';

const log = pino({ level: 'silent' });

interface PostAggregation {
  name?: string;
  type: string;
  value?: number;
  fields?: PostAggregation[];
}
interface TrainingQuery {
  granularity: { period: string };
  filter: unknown;
  intervals: string[];
  postAggregations: PostAggregation[];
}
const NOW = Date.UTC(2024, 4, 31, 0, 0);
const GRANULARITY_MS: Record<string, number> = { PT1M: 60_000, PT5M: 300_000, PT1H: 3_600_000 };
let druid: DruidStandIn;
let druidClient: DruidClient;
let s3: TestS3;

beforeAll(async () => {
  // Answers each training query with rows at the query's own granularity.
  druid = await startDruidStandIn((query) => {
    const period = ((query as { granularity: { period: string } }).granularity.period ?? '').toUpperCase();
    const step = GRANULARITY_MS[period] ?? 60_000;
    return {
      body: asDruidResponse(trafficRows(Math.min(96, Math.floor(86_400_000 / step)), step, NOW - 86_400_000)),
    };
  });
  druidClient = new DruidClient({ url: druid.url, retries: 0 });
  s3 = await startTestS3('models');
});
afterAll(async () => {
  await druidClient.close();
  await druid.close();
  await s3.close();
});

const sensor: SensorConfig = {
  name: 'ASR-edge-1',
  metrics: ['bytes', 'pkts'],
  granularities: ['PT1M', 'PT5M', 'PT1H'],
  lookBack: 'P1D',
};
const payload: TrainSensorPayload = { sensor, training: TINY_TRAINING };

async function deps(
  store: TrainSensorDeps['store'],
  overrides: Partial<TrainSensorDeps> = {},
): Promise<TrainSensorDeps> {
  return {
    source: new SensorTrainingSource(
      new DruidTrainingSource(druidClient, { dataSource: 'rb_flow', timeoutMs: 5000 }),
    ),
    train: trainAutoencoder,
    store,
    publish: {
      keepVersions: 2,
      maxLossRatio: 1.5,
      rejectedDirectory: await tempDir('rejected-'),
    },
    log,
    node: 'test-node',
    now: () => NOW,
    ...overrides,
  };
}

/** The real training, with its reported validation loss scaled: a way to make a model "clearly worse". */
const withLossTimes =
  (factor: number): TrainFunction =>
  async (series, options) => {
    const model = await trainAutoencoder(series, options);
    return { ...model, validationLoss: model.validationLoss * factor };
  };

describe('trainSensorModel', () => {
  it('queries Druid at every granularity with that granularity’s per-second post-aggregations', {
    timeout: 60_000,
  }, async () => {
    const before = druid.queries.length;
    const store = new DiskModelStore(await tempDir('models-'));
    const outcome = await trainSensorModel(payload, await deps(store));
    const queries = druid.queries.slice(before) as TrainingQuery[];
    expect(queries.map((q) => q.granularity.period)).toEqual(['PT1M', 'PT5M', 'PT1H']);
    const bpsDivisor = (q: TrainingQuery) =>
      q.postAggregations.find((p) => p.name === 'bps')?.fields?.find((f) => f.type === 'constant')?.value;
    expect(queries.map(bpsDivisor)).toEqual([60, 300, 3600]);
    expect(queries[0]!.filter).toEqual({ type: 'selector', dimension: 'sensor_name', value: 'ASR-edge-1' });
    expect(queries[0]!.intervals).toEqual(['2024-05-30T00:00:00.000Z/2024-05-31T00:00:00.000Z']);

    expect(outcome).toMatchObject({ sensor: 'ASR-edge-1', published: true, rows: 96 + 96 + 24 });
    const manifest = (await store.manifest('ASR-edge-1'))!;
    expect(manifest.version).toBe(outcome.version);
    expect(manifest.metadata).toMatchObject({
      validationLoss: outcome.validationLoss,
      trainedAt: new Date(NOW).toISOString(),
      granularities: ['PT1M', 'PT5M', 'PT1H'],
      primaryGranularity: 'PT1M',
      skipped: {},
      node: 'test-node',
    });
    // what the executor will read loads as a model
    const files = await readVersionFiles(store, manifest);
    const model = await AutoencoderModel.fromFiles(files);
    expect(model.metadata.metrics).toEqual(['bytes', 'pkts']);
    model.dispose();
  });

  it('does not publish a clearly worse model: keeps it aside, the current one stays', {
    timeout: 60_000,
  }, async () => {
    const store = new DiskModelStore(await tempDir('models-'));
    const d = await deps(store);
    const first = await trainSensorModel(payload, d);
    const worse = await trainSensorModel(payload, { ...d, train: withLossTimes(2) });
    expect(worse).toMatchObject({ published: false, currentValidationLoss: first.validationLoss });
    expect((await store.manifest(sensor.name))!.version).toBe(first.version);
    expect(await store.versions(sensor.name)).toEqual([first.version]);
    const aside = await readdir(worse.keptAsideAt!);
    expect(aside).toContain('model.json');
    expect(JSON.parse(await readFile(join(worse.keptAsideAt!, 'kept-aside.json'), 'utf8'))).toMatchObject({
      validationLoss: worse.validationLoss,
    });
    // somewhat worse (within the ratio) is published: losses vary from day to day
    const slightly = await trainSensorModel(payload, { ...d, train: withLossTimes(1.2) });
    expect(slightly.published).toBe(true);
  });

  it('publishes nothing when the pre-publish check refuses (the cluster lost the job lock)', {
    timeout: 60_000,
  }, async () => {
    const store = new DiskModelStore(await tempDir('models-'));
    const refuse = async () => {
      throw new Error('job is no longer locked by this worker');
    };
    await expect(
      trainSensorModel(payload, { ...(await deps(store)), beforePublish: refuse }),
    ).rejects.toThrow('no longer locked');
    expect(await store.versions(sensor.name)).toEqual([]);
    expect(await store.manifest(sensor.name)).toBeNull();
  });

  it('publishes one version per job, whichever step its node died after (the retry finds it by job id)', {
    timeout: 90_000,
  }, async () => {
    const store = new DiskModelStore(await tempDir('models-'));
    const d = await deps(store);
    const first = await trainSensorModel(payload, { ...d, jobId: 'tick-1' });
    // Died after publishing, before the job was marked complete: the retry publishes nothing new.
    const again = await trainSensorModel(payload, { ...d, jobId: 'tick-1' });
    expect(again).toMatchObject({
      published: true,
      skipped: 'published by an earlier attempt',
      version: first.version,
    });
    expect(await store.versions(sensor.name)).toEqual([first.version]);

    // Died between writing the version and making it current: the retry makes that version current.
    const second = await trainSensorModel(payload, { ...d, jobId: 'tick-2' });
    await store.activate(sensor.name, first.version!);
    const retried = await trainSensorModel(payload, { ...d, jobId: 'tick-2' });
    expect(retried).toMatchObject({ skipped: 'published by an earlier attempt', version: second.version });
    expect((await store.manifest(sensor.name))?.version).toBe(second.version);
    expect(await store.versions(sensor.name)).toEqual([first.version, second.version]);
    expect((await store.manifest(sensor.name))?.metadata).toMatchObject({ job: 'tick-2' });

    // Another job trains and publishes as usual.
    const third = await trainSensorModel(payload, { ...d, jobId: 'tick-3' });
    expect(third.skipped).toBeUndefined();
    expect((await store.manifest(sensor.name))?.version).toBe(third.version);
  });

  it('fails for good when there is no data', async () => {
    const empty = { ...sensor, name: 'empty' };
    const store = new DiskModelStore(await tempDir('models-'));
    druid.respondWith(() => ({ body: [] }));
    try {
      await expect(trainSensorModel({ ...payload, sensor: empty }, await deps(store))).rejects.toMatchObject({
        name: 'UnrecoverableError',
        message: expect.stringMatching(/no training data for sensor "empty"/),
      });
    } finally {
      druid.respondWith((query) => {
        const period = (query as { granularity: { period: string } }).granularity.period.toUpperCase();
        const step = GRANULARITY_MS[period] ?? 60_000;
        return {
          body: asDruidResponse(
            trafficRows(Math.min(96, Math.floor(86_400_000 / step)), step, NOW - 86_400_000),
          ),
        };
      });
    }
  });
});

describe('the training period', () => {
  /** The intervals of the queries one training sends, in granularity order. */
  async function intervalsOf(overrides: Partial<TrainSensorDeps>): Promise<string[]> {
    const before = druid.queries.length;
    const store = new DiskModelStore(await tempDir('models-'));
    await trainSensorModel(payload, await deps(store, overrides));
    return (druid.queries.slice(before) as TrainingQuery[]).map((q) => q.intervals[0]!);
  }
  const later = (iso: string) => () => Date.parse(iso);

  it('a look-back ending inside a bucket reads its whole span, up to where that bucket starts', {
    timeout: 60_000,
  }, async () => {
    expect(await intervalsOf({ now: later('2024-05-31T00:37:12.345Z') })).toEqual([
      '2024-05-30T00:37:00.000Z/2024-05-31T00:37:00.000Z',
      '2024-05-30T00:35:00.000Z/2024-05-31T00:35:00.000Z',
      '2024-05-30T00:00:00.000Z/2024-05-31T00:00:00.000Z',
    ]);
  });

  it('--from/--to read the whole buckets inside the period; an end after now stops at now', {
    timeout: 60_000,
  }, async () => {
    const from = new Date('2024-05-28T10:02:30Z');
    expect(await intervalsOf({ period: { from, to: new Date('2024-05-30T10:00:00Z') } })).toEqual([
      '2024-05-28T10:03:00.000Z/2024-05-30T10:00:00.000Z',
      '2024-05-28T10:05:00.000Z/2024-05-30T10:00:00.000Z',
      '2024-05-28T11:00:00.000Z/2024-05-30T10:00:00.000Z',
    ]);
    const now = later('2024-05-31T00:37:12Z');
    expect(await intervalsOf({ now, period: { from, to: new Date('2024-06-30T00:00:00Z') } })).toEqual([
      '2024-05-28T10:03:00.000Z/2024-05-31T00:37:00.000Z',
      '2024-05-28T10:05:00.000Z/2024-05-31T00:35:00.000Z',
      '2024-05-28T11:00:00.000Z/2024-05-31T00:00:00.000Z',
    ]);
    // --to alone: the sensor's look-back (P1D) before it.
    expect(await intervalsOf({ period: { to: new Date('2024-05-30T12:30:00Z') } })).toEqual([
      '2024-05-29T12:30:00.000Z/2024-05-30T12:30:00.000Z',
      '2024-05-29T12:30:00.000Z/2024-05-30T12:30:00.000Z',
      '2024-05-29T12:00:00.000Z/2024-05-30T12:00:00.000Z',
    ]);
  });

  it('refuses a period that starts after now, naming --from', async () => {
    const store = new DiskModelStore(await tempDir('models-'));
    const period = { from: new Date(NOW + 60_000) };
    await expect(trainSensorModel(payload, await deps(store, { period }))).rejects.toThrow(/^--from: /);
  });
});

describe('publishing to S3: prune, rollback, status, partial uploads', () => {
  it('keeps the last N versions, rolls back, reports status', { timeout: 90_000 }, async () => {
    const store = s3.store('models');
    const d = await deps(store);
    const versions: string[] = [];
    for (let i = 0; i < 3; i++) versions.push((await trainSensorModel(payload, d)).version!);
    expect(await store.versions(sensor.name)).toEqual(versions.slice(1)); // keepVersions: 2

    await rollback(store, sensor.name, versions[1]!);
    expect((await store.manifest(sensor.name))!.version).toBe(versions[1]);
    await expect(rollback(store, sensor.name, versions[0]!)).rejects.toThrow(RollbackError);
    await expect(rollback(store, sensor.name, versions[0]!)).rejects.toThrow(/kept versions: /);

    // Pinned: the next scheduled training leaves it alone.
    expect(await trainSensorModel(payload, d)).toMatchObject({
      published: false,
      skipped: 'pinned',
      version: versions[1],
    });
    expect((await store.manifest(sensor.name))!.version).toBe(versions[1]);

    const [status] = await sensorStatus({ sensors: [sensor] }, store);
    expect(status).toMatchObject({
      sensor: sensor.name,
      active: versions[1],
      pinnedAt: expect.any(String),
      trainedAt: new Date(NOW).toISOString(),
      versions: versions.slice(1),
    });
    expect(status!.validationLoss).toBeGreaterThan(0);
    expect(status!.durationMs).toBe(0); // the test's clock stands still

    await unpin(store, sensor.name);
    const after = await trainSensorModel(payload, d);
    expect(after.published).toBe(true);
    expect((await store.manifest(sensor.name))!.version).toBe(after.version);
    expect((await sensorStatus({ sensors: [sensor] }, store))[0]!.pinnedAt).toBeNull();
  });

  it('an upload that fails half-way never becomes latest', { timeout: 60_000 }, async () => {
    const good = s3.store('partial');
    const d = await deps(good);
    const first = await trainSensorModel(payload, d);

    // The same bucket through a proxy that cuts the connection after two object uploads of the next version.
    const proxy = await startFaultyProxy(s3.endpoint, 2);
    const flaky = new S3ModelStore({
      bucket: s3.bucket,
      prefix: 'partial',
      endpoint: proxy.url,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    try {
      await expect(trainSensorModel(payload, { ...d, store: flaky })).rejects.toThrow();
      expect(proxy.forwardedPuts).toBe(2);
      expect(proxy.droppedPuts).toBeGreaterThan(0);
    } finally {
      flaky.close();
      await proxy.close();
    }

    const manifest = (await good.manifest(sensor.name))!;
    expect(manifest.version).toBe(first.version);
    expect(await good.versions(sensor.name)).toEqual([first.version]);
    const files = await readVersionFiles(good, manifest);
    (await AutoencoderModel.fromFiles(files)).dispose();
  });
});
