/**
 * Two in-process nodes (separate Redis connections, separate S3 clients) sharing one redis-server and one s3rver,
 * training for real (tiny autoencoders from files): every tick of every sensor is trained once and published once.
 */

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestS3, type TestS3 } from '@outliers/model-store/testing';
import { type RedisServer, randomPrefix, startRedis } from '@outliers/test-servers';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import type { TrainingOutcome } from '../src/jobs/train-sensor-model.js';
import { TRAINING_QUEUE } from '../src/queues.js';
import { redisConnection } from '../src/redis.js';
import { openRuntime, trainingProcessor } from '../src/runtime.js';
import { removeSensorSchedule } from '../src/schedules.js';
import { startTrainerNode } from '../src/trainer-node.js';
import { trainAutoencoder } from '../src/training/autoencoder-trainer.js';
import { TINY_TRAINING, trafficRows } from './fixtures.js';
import { tempDir } from './temp-dirs.js';

let redis: RedisServer;
let s3: TestS3;
beforeAll(async () => {
  [redis, s3] = await Promise.all([startRedis(), startTestS3('models')]);
});
afterAll(async () => {
  await Promise.all([redis.stop(), s3.close()]);
});

it('two nodes on one Redis and one S3 train and publish each sensor once per tick', {
  timeout: 60_000,
}, async () => {
  const dir = await tempDir('cluster-training-');
  const csv = `time,bytes,pkts\n${trafficRows(48, 60_000)
    .map((r) => `${r.time},${r.values.bytes},${r.values.pkts}`)
    .join('\n')}\n`;
  await writeFile(join(dir, 'data.csv'), csv);
  const prefix = randomPrefix();
  const config = (node: string) =>
    parseConfig(
      JSON.stringify({
        node,
        schedule: { cron: '*/2 * * * * *' },
        training: TINY_TRAINING,
        sensors: ['north', 'south'].map((name) => ({
          name,
          file: join(dir, 'data.csv'),
          metrics: ['bytes', 'pkts'],
        })),
        redis: { url: redis.url, prefix },
        s3: {
          bucket: s3.bucket,
          prefix,
          endpoint: s3.endpoint,
          accessKeyId: 'S3RVER',
          secretAccessKey: 'S3RVER',
        },
        publish: { keepVersions: 50, maxLossRatio: 1e9, rejectedDirectory: join(dir, 'rejected') },
      }),
      `${node}.json`,
    );
  const log = pino({ level: 'silent' });
  const nodes = await Promise.all(
    ['a', 'b'].map(async (name) => {
      const cfg = config(name);
      const runtime = openRuntime(cfg);
      const node = await startTrainerNode(cfg, trainingProcessor(cfg, runtime, trainAutoencoder), log);
      return { node, runtime };
    }),
  );
  await sleep(7000);
  for (const { node, runtime } of nodes) {
    await node.close();
    await runtime.close();
  }

  const reader = s3.store(prefix);
  for (const sensor of ['north', 'south']) {
    const q = new Queue(TRAINING_QUEUE, { connection: redisConnection(redis), prefix }); // the nodes' are closed
    const completed = (await q.getJobs(['completed'])).filter((j) => j.data.sensor.name === sensor);
    const ticks = completed.map((j) => j.id);
    expect(completed.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ticks).size).toBe(ticks.length);
    const published = completed.map((j) => (j.returnvalue as TrainingOutcome).version);
    expect(new Set(published).size).toBe(completed.length);
    expect((await reader.versions(sensor)).sort()).toEqual([...published].sort());
    expect(await q.getFailedCount()).toBe(0);

    expect(await removeSensorSchedule(q, sensor)).toBe(true);
    expect(await removeSensorSchedule(q, sensor)).toBe(false);
    await q.close();
  }
});
