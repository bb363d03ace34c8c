/**
 * Real trainer processes (`trainer serve`, run from sources) sharing one redis-server, one s3rver and the Druid
 * stand-in: a node killed with SIGKILL in the middle of a training has its job completed by the other node, within
 * the takeover bound lockDuration + stalledInterval; SIGTERM stops a node cleanly.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DruidStandIn, startDruidStandIn } from '@outliers/druid/testing';
import { startTestS3, type TestS3 } from '@outliers/model-store/testing';
import { type RedisServer, randomPrefix, startRedis } from '@outliers/test-servers';
import { Job, Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TRAIN_SENSOR_JOB, TRAINING_QUEUE, type TrainSensorPayload } from '../src/queues.js';
import { redisConnection } from '../src/redis.js';
import { takeoverBoundMs } from '../src/trainer-node.js';
import { asDruidResponse, trafficRows } from './fixtures.js';
import { tempDir } from './temp-dirs.js';

const MAIN = new URL('../src/main.ts', import.meta.url).pathname;
const LOCK_MS = 1500;
const STALLED_MS = 1000;

let redis: RedisServer;
let s3: TestS3;
let druid: DruidStandIn;
const children: ChildProcess[] = [];

beforeAll(async () => {
  [redis, s3, druid] = await Promise.all([
    startRedis(),
    startTestS3('models'),
    startDruidStandIn(() => ({ body: asDruidResponse(trafficRows(720, 60_000, Date.now() - 43_200_000)) })),
  ]);
});
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all([redis.stop(), s3.close(), druid.close()]);
});

interface Node {
  child: ChildProcess;
  /** pino lines written so far. */
  logs: Record<string, unknown>[];
  waitForLog(msg: string, timeoutMs: number): Promise<Record<string, unknown>>;
}

function startNode(config: string): Node {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=source', MAIN, 'serve', '--config', config],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
    },
  );
  children.push(child);
  const logs: Record<string, unknown>[] = [];
  let buffer = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  return {
    child,
    logs,
    async waitForLog(msg, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logs.find((l) => l.msg === msg);
        if (found) return found;
        if (child.exitCode !== null)
          throw new Error(`node exited (${child.exitCode}): ${JSON.stringify(logs)}`);
        if (Date.now() > deadline)
          throw new Error(`no "${msg}" within ${timeoutMs} ms: ${JSON.stringify(logs)}`);
        await sleep(50);
      }
    },
  };
}

it('a node killed mid-training has its job finished by another node; SIGTERM stops cleanly', {
  timeout: 90_000,
}, async () => {
  const prefix = randomPrefix();
  const dir = await tempDir('trainer-nodes-');
  const nodeConfig = (node: string) => ({
    node,
    schedule: { cron: '0 0 1 1 *' }, // the test enqueues the job itself
    training: { epochs: 2, batchSize: 32, k: 5, window: 8, stride: 4 },
    sensors: [{ name: 'edge-1', metrics: ['bytes', 'pkts'], granularities: ['PT1M'] }],
    druid: { url: druid.url },
    redis: { url: redis.url, prefix },
    s3: { bucket: s3.bucket, prefix: 'cluster', endpoint: s3.endpoint },
    publish: { rejectedDirectory: join(dir, 'rejected') },
    worker: { lockDurationMs: LOCK_MS, stalledIntervalMs: STALLED_MS, shutdownGraceMs: 5000 },
  });
  await writeFile(join(dir, 'a.json'), JSON.stringify(nodeConfig('node-a')));
  await writeFile(join(dir, 'b.json'), JSON.stringify(nodeConfig('node-b')));

  // Both nodes run before the job exists; whichever takes it is killed as soon as it is training (killing it
  // right after 'training data loaded' is race-free, unlike waiting for a second node to boot).
  const nodes = [startNode(join(dir, 'a.json')), startNode(join(dir, 'b.json'))];
  await Promise.all(nodes.map((n) => n.waitForLog('trainer node started', 30_000)));
  const queue = new Queue<TrainSensorPayload>(TRAINING_QUEUE, { connection: redisConnection(redis), prefix });
  const payload: TrainSensorPayload = {
    sensor: { name: 'edge-1', metrics: ['bytes', 'pkts'], granularities: ['PT1M'] },
    training: { epochs: 15, batchSize: 32, k: 5, window: 8, stride: 4 },
  };
  const job = await queue.add(TRAIN_SENSOR_JOB, payload, { attempts: 2 });
  const a = await Promise.any(nodes.map((n) => n.waitForLog('training data loaded', 30_000).then(() => n)));
  const b = nodes.find((n) => n !== a)!;
  a.child.kill('SIGKILL');
  const killedAt = Date.now();
  await once(a.child, 'exit');
  expect(a.logs.some((l) => l.msg === 'model published')).toBe(false); // A died inside the training

  const published = await b.waitForLog('model published', 60_000);
  expect(published).toMatchObject({ jobId: job.id, sensor: 'edge-1' });
  const done = (await Job.fromId(queue, job.id!))!;
  expect(await done.getState()).toBe('completed');
  expect(done.returnvalue).toMatchObject({ sensor: 'edge-1', published: true });
  expect(a.logs.some((l) => l.msg === 'model published')).toBe(false);
  // Takeover bound (takeoverBoundMs): A's lock expires ≤ LOCK_MS after the kill, B's stalled check moves the job
  // ≤ STALLED_MS later (plus a second of slack for a loaded machine).
  const started = b.logs.find((l) => l.msg === 'training job started')!;
  expect(Number(started.time) - killedAt).toBeLessThan(
    takeoverBoundMs({ lockDurationMs: LOCK_MS, stalledIntervalMs: STALLED_MS }) + 1000,
  );

  const store = s3.store('cluster');
  expect((await store.manifest('edge-1'))?.version).toBe(done.returnvalue.version);

  b.child.kill('SIGTERM');
  const [code] = await once(b.child, 'exit');
  expect(code).toBe(0);
  expect(b.logs.some((l) => l.msg === 'stopped')).toBe(true);
  await queue.close();
});
