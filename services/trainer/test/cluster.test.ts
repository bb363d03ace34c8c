/**
 * Cluster behaviour with real redis-servers and BullMQ, with a processor that records what it is given (training
 * itself is covered by train-sensor-model and the process tests).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type RedisServer, randomPrefix, startRedis } from '@outliers/test-servers';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { lastRuns } from '../src/commands/status.js';
import { parseConfig, type TrainerConfig } from '../src/config.js';
import { TRAIN_SENSOR_JOB, TRAINING_QUEUE, type TrainSensorPayload } from '../src/queues.js';
import { redisConnection } from '../src/redis.js';
import { startTrainerNode, type TrainerNode } from '../src/trainer-node.js';
import type { TrainSensorProcessor } from '../src/workers/training-worker.js';

const log = pino({ level: 'silent' });
let redis: RedisServer;
const nodes: TrainerNode[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

function nodeConfig(node: string, prefix: string, overrides: Record<string, unknown> = {}): TrainerConfig {
  return parseConfig(
    JSON.stringify({
      node,
      schedule: { cron: '* * * * * *' },
      training: { epochs: 1, batchSize: 4, k: 5 },
      sensors: ['alpha', 'beta', 'gamma'].map((name) => ({ name, file: `${name}.csv`, metrics: ['bytes'] })),
      redis: { url: redis.url, prefix },
      worker: { lockDurationMs: 1000, stalledIntervalMs: 500, backoffMs: 50, shutdownGraceMs: 200 },
      ...overrides,
    }),
    `${node}.json`,
  );
}

interface Run {
  node: string;
  sensor: string;
  jobId: string;
}

async function start(config: TrainerConfig, process: TrainSensorProcessor<unknown>): Promise<TrainerNode> {
  const node = await startTrainerNode(config, process, log);
  nodes.push(node);
  return node;
}

function recorder(runs: Run[], node: string, ms = 20): TrainSensorProcessor<unknown> {
  return async (payload, { job }) => {
    runs.push({ node, sensor: payload.sensor.name, jobId: job.id! });
    await sleep(ms);
    return { ok: true };
  };
}

describe('two nodes sharing one Redis', () => {
  it('run exactly one job per sensor per tick, spread over both nodes', { timeout: 15_000 }, async () => {
    const prefix = randomPrefix();
    const runs: Run[] = [];
    // Locks far longer than a starved event loop can stall (the suite shares two cores with other test files): a
    // stalled job runs again by design (at least once, tested below); this test is about the two schedulers.
    const worker = { lockDurationMs: 10_000, stalledIntervalMs: 5_000, backoffMs: 50, shutdownGraceMs: 200 };
    await start(nodeConfig('node-a', prefix, { worker }), recorder(runs, 'node-a', 150));
    await start(nodeConfig('node-b', prefix, { worker }), recorder(runs, 'node-b', 150));
    await sleep(4500);
    const sensors = [...new Set(runs.map((r) => r.sensor))].sort();
    expect(sensors).toEqual(['alpha', 'beta', 'gamma']);
    for (const sensor of sensors) {
      const ticks = runs.filter((r) => r.sensor === sensor).map((r) => r.jobId);
      expect(new Set(ticks).size).toBe(ticks.length); // no tick trained twice
      expect(ticks.length).toBeGreaterThanOrEqual(3); // ~4 ticks in 4.5 s, both nodes upserting
    }
    // both workers took part (the work is shared, not duplicated)
    expect(new Set(runs.map((r) => r.node)).size).toBe(2);
    const queue = nodes[0]!.queue;
    expect(await queue.getJobSchedulersCount()).toBe(3);
  });
});

describe('job handling', () => {
  let queue: Queue;
  let prefix: string;
  afterEach(async () => {
    await queue?.close();
  });

  async function addJob(data: unknown, opts: Record<string, unknown> = {}): Promise<Job> {
    queue = new Queue(TRAINING_QUEUE, { connection: redisConnection({ url: redis.url }), prefix });
    return queue.add(TRAIN_SENSOR_JOB, data, opts);
  }

  const payload: TrainSensorPayload = {
    sensor: { name: 'solo', file: 'solo.csv', metrics: ['bytes'] },
    training: { epochs: 1, batchSize: 4, k: 5 },
  };
  // a schedule that will not tick during the test: jobs are added by hand
  const quiet = { schedule: { cron: '0 0 1 1 *' } };

  async function finished(job: Job, timeoutMs = 5000): Promise<Job> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const fresh = (await Job.fromId(queue, job.id!))!;
      if (fresh.finishedOn) return fresh;
      if (Date.now() > deadline) throw new Error(`job ${job.id} not finished: ${await fresh.getState()}`);
      await sleep(50);
    }
  }

  it('fails an invalid payload at once, keeping the reason naming the key', async () => {
    prefix = randomPrefix();
    const runs: Run[] = [];
    await start(nodeConfig('n', prefix, quiet), recorder(runs, 'n'));
    const job = await addJob({ sensor: { name: 'x' } }, { attempts: 3 });
    const done = await finished(job);
    expect(await done.getState()).toBe('failed');
    expect(done.attemptsMade).toBe(1); // UnrecoverableError: no retry
    expect(done.failedReason).toMatch(
      /invalid train-sensor payload: .*sensor\.metrics: Expected required property/,
    );
    expect(runs).toHaveLength(0);
  });

  it('retries a transient failure with backoff; gives up after the attempts, keeping the reason', async () => {
    prefix = randomPrefix();
    let calls = 0;
    await start(nodeConfig('n', prefix, quiet), async (p) => {
      calls++;
      if (p.sensor.name === 'flaky' && calls === 1) throw new Error('druid timeout');
      if (p.sensor.name === 'broken') throw new Error('druid down');
      if (p.sensor.name === 'bad-data') throw new UnrecoverableError('no training data');
      return 'ok';
    });
    const backoff = { type: 'exponential', delay: 50 };
    const flaky = await addJob(
      { ...payload, sensor: { ...payload.sensor, name: 'flaky' } },
      { attempts: 3, backoff },
    );
    const ok = await finished(flaky);
    expect(await ok.getState()).toBe('completed');
    expect(ok.attemptsMade).toBe(2);

    const broken = await addJob(
      { ...payload, sensor: { ...payload.sensor, name: 'broken' } },
      { attempts: 2, backoff },
    );
    const failed = await finished(broken);
    expect(await failed.getState()).toBe('failed');
    expect(failed.attemptsMade).toBe(2);
    expect(failed.failedReason).toBe('druid down');
  });

  it('remembers each sensor’s last run for `trainer status`', async () => {
    prefix = randomPrefix();
    let calls = 0;
    await start(nodeConfig('node-x', prefix, quiet), async (p) => {
      calls++;
      if (p.sensor.name === 'down') throw new UnrecoverableError('druid down');
      return { sensor: p.sensor.name, published: !(p.sensor.name === 'worse') };
    });
    const named = (name: string) => ({ ...payload, sensor: { ...payload.sensor, name } });
    await finished(await addJob(named('ok')));
    await finished(await addJob(named('down')));
    await finished(await addJob(named('worse')));
    const later = await finished(await addJob(named('down')));
    const runs = await lastRuns(queue);
    expect(calls).toBe(4);
    expect(runs.get('ok')).toMatchObject({ outcome: 'published', node: 'node-x' });
    expect(runs.get('worse')).toMatchObject({ outcome: 'kept aside' });
    expect(runs.get('down')).toEqual({
      outcome: 'failed',
      failedReason: 'druid down',
      node: 'node-x',
      finishedAt: new Date(later.finishedOn!).toISOString(),
    });
  });

  it('tells a processor that lost its lock (Redis out longer than the lock) not to publish', async () => {
    prefix = randomPrefix();
    const checks: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await start(nodeConfig('n', prefix, quiet), async (_p, { assertOwner }) => {
      await assertOwner();
      checks.push('owner');
      await gate;
      await assertOwner().catch((err: Error) => checks.push(err.name));
      return 'done';
    });
    const job = await addJob(payload);
    await waitForActive(job);
    await sleep(50);
    const client = new Redis(redis.port, '127.0.0.1');
    try {
      await client.del(`${prefix}:${TRAINING_QUEUE}:${job.id}:lock`); // as if it had expired
    } finally {
      client.disconnect();
      release();
    }
    await sleep(300);
    expect(checks).toEqual(['owner', 'LostLockError']);
  });

  it('on shutdown, finishes the current job within the grace period', async () => {
    prefix = randomPrefix();
    const node = await start(nodeConfig('n', prefix, quiet), async () => {
      await sleep(100);
      return 'done';
    });
    const job = await addJob(payload);
    await waitForActive(job);
    await node.close();
    nodes.splice(nodes.indexOf(node), 1);
    expect(await (await Job.fromId(queue, job.id!))!.getState()).toBe('completed');
  });

  it('on shutdown past the grace period, releases the job to another node without using an attempt', async () => {
    prefix = randomPrefix();
    const slow = await start(nodeConfig('slow', prefix, quiet), async (_p, { signal }) => {
      await sleep(60_000, undefined, { signal });
      return 'never';
    });
    const job = await addJob(payload, { attempts: 1 });
    await waitForActive(job);
    const closed = Date.now();
    await slow.close(); // grace 200 ms
    nodes.splice(nodes.indexOf(slow), 1);
    expect(Date.now() - closed).toBeLessThan(2000);
    expect(await (await Job.fromId(queue, job.id!))!.getState()).toBe('waiting');

    const runs: Run[] = [];
    await start(nodeConfig('other', prefix, quiet), recorder(runs, 'other'));
    const done = await finished(job);
    expect(await done.getState()).toBe('completed');
    expect(runs).toEqual([{ node: 'other', sensor: 'solo', jobId: job.id }]);
  });

  async function waitForActive(job: Job): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if ((await job.getState()) === 'active') return;
      await sleep(20);
    }
    throw new Error('job never became active');
  }
});

describe('Redis restarting under a running node', () => {
  it('reconnects, upserts its schedulers again and carries on', { timeout: 20_000 }, async () => {
    const own = await startRedis();
    try {
      const prefix = randomPrefix();
      const runs: Run[] = [];
      const config = nodeConfig('n', prefix, {
        redis: { url: own.url, prefix },
        sensors: [{ name: 'alpha', file: 'a.csv', metrics: ['bytes'] }],
      });
      await start(config, recorder(runs, 'n'));
      await sleep(2200);
      const before = runs.length;
      expect(before).toBeGreaterThanOrEqual(1);
      await own.restart(); // no persistence: schedulers and jobs are gone
      await sleep(4000);
      const after = runs.slice(before);
      expect(after.length).toBeGreaterThanOrEqual(1);
      expect(new Set(runs.map((r) => r.jobId)).size).toBe(runs.length);
    } finally {
      await Promise.all(nodes.splice(0).map((n) => n.close()));
      await own.stop();
    }
  });
});
