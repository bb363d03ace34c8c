/**
 * Scheduler and queue capacity with 1,000 sensors (no training: a no-op processor), on a throw-away redis-server:
 * - upsert time of 1,000 job schedulers, and Redis memory per sensor (INFO memory, used_memory, before/after);
 * - jobs/s completed with every sensor ticking each second (1,000 jobs/s offered) by one node, then two nodes
 *   (concurrency 1 each, as in production), and the backlog left;
 * - memory per sensor at steady state (the default retention keeps completed jobs up to keepCompleted).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedis } from '@outliers/test-servers';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parseConfig, type TrainerConfig } from '../src/config.js';
import { TRAINING_QUEUE } from '../src/queues.js';
import { redisConnection } from '../src/redis.js';
import { upsertSensorSchedules } from '../src/schedules.js';
import { createTrainingWorker } from '../src/workers/training-worker.js';

const SENSORS = 1000;
const RUN_MS = 10_000;
const log = pino({ level: 'silent' });

const redis = await startRedis();
const admin = new Redis(redis.port, '127.0.0.1');
const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);

function config(prefix: string, cron: string): TrainerConfig {
  return parseConfig(
    JSON.stringify({
      schedule: { cron },
      training: { epochs: 1, batchSize: 32, k: 5 },
      sensors: Array.from({ length: SENSORS }, (_, i) => ({
        name: `sensor-${String(i).padStart(4, '0')}`,
        filter: { type: 'selector', dimension: 'sensor_name', value: `sensor-${i}` },
        metrics: ['bytes', 'pkts', 'clients', 'flows'],
        granularities: ['PT1M', 'PT5M', 'PT15M'],
      })),
      druid: { url: 'http://druid:8082' },
      redis: { url: redis.url, prefix },
    }),
    'bench.json',
  );
}

try {
  // 1. Schedulers alone (daily cron: each holds its next delayed job).
  const base = await usedMemory();
  const daily = config('daily', '0 3 * * *');
  const q1 = new Queue(TRAINING_QUEUE, { connection: redisConnection(redis), prefix: 'daily' });
  let t = performance.now();
  await upsertSensorSchedules(q1, daily);
  const upsertMs = performance.now() - t;
  const afterSchedulers = await usedMemory();
  t = performance.now();
  await upsertSensorSchedules(q1, daily); // what every other node does at start: idempotent
  const reupsertMs = performance.now() - t;
  process.stdout.write(
    `upsert ${SENSORS} schedulers: ${upsertMs.toFixed(0)} ms (${((SENSORS * 1000) / upsertMs).toFixed(0)}/s); ` +
      `again (idempotent): ${reupsertMs.toFixed(0)} ms; schedulers: ${await q1.getJobSchedulersCount()}, ` +
      `delayed jobs: ${await q1.getDelayedCount()}\n`,
  );
  process.stdout.write(
    `redis memory per sensor (scheduler + its next job): ${((afterSchedulers - base) / SENSORS).toFixed(0)} bytes\n`,
  );
  await q1.obliterate({ force: true });
  await q1.close();

  // 2. Throughput: every sensor ticks every second.
  for (const nodes of [1, 2]) {
    const prefix = `tick${nodes}`;
    const cfg = config(prefix, '* * * * * *');
    const queue = new Queue(TRAINING_QUEUE, { connection: redisConnection(redis), prefix });
    let completed = 0;
    const workers = Array.from({ length: nodes }, (_, i) =>
      createTrainingWorker({
        connection: redisConnection(redis),
        prefix,
        node: `n${i}`,
        settings: cfg.worker,
        log,
        process: async () => null,
      }),
    );
    for (const w of workers) w.on('completed', () => completed++);
    const before = await usedMemory();
    await upsertSensorSchedules(queue, cfg);
    await sleep(2000); // let the first ticks arrive
    const c0 = completed;
    t = performance.now();
    await sleep(RUN_MS);
    const elapsed = performance.now() - t;
    const rate = ((completed - c0) * 1000) / elapsed;
    const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed', 'completed');
    const memory = await usedMemory();
    process.stdout.write(
      `${nodes} node(s), ${SENSORS} sensors ticking 1/s: ${rate.toFixed(0)} jobs/s completed ` +
        `(offered ${SENSORS}/s); backlog waiting ${counts.wait! + counts.prioritized!}, ` +
        `completed kept ${counts.completed}; memory per sensor ${((memory - before) / SENSORS).toFixed(0)} bytes\n`,
    );
    await Promise.all(workers.map((w) => w.close()));
    await queue.obliterate({ force: true });
    await queue.close();
  }
} finally {
  admin.disconnect();
  await redis.stop();
}
