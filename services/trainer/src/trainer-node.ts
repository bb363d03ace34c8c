/**
 * A cluster node (`trainer serve`): upserts the schedulers of its sensors and runs one training worker. Every node
 * sharing the Redis runs the same; BullMQ hands each tick's job of a sensor to exactly one worker.
 */
import { Queue, type Worker } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { TrainerConfig, WorkerSettings } from './config.js';
import type { Logger } from './logger.js';
import { TRAINING_QUEUE, type TrainSensorPayload } from './queues.js';
import { redisConnection } from './redis.js';
import { upsertSensorSchedules } from './schedules.js';
import { closeWorker, createTrainingWorker, type TrainSensorProcessor } from './workers/training-worker.js';

export interface TrainerNode {
  queue: Queue<TrainSensorPayload>;
  worker: Worker;
  /** Finishes (or, past the grace period, releases) the current job, then closes the connections. */
  close(): Promise<void>;
}

export async function startTrainerNode<R>(
  config: TrainerConfig,
  process: TrainSensorProcessor<R>,
  log: Logger,
): Promise<TrainerNode> {
  if (!config.redis) throw new Error('redis: required to serve (set it in the file or REDIS_URL)');
  const connection = redisConnection(config.redis);
  // The queue gets a client of our own, to hear it reconnect.
  const client = new Redis(connection as RedisOptions);
  const queue = new Queue<TrainSensorPayload>(TRAINING_QUEUE, {
    connection: client,
    prefix: config.redis.prefix,
  });
  queue.on('error', (err) => log.error({ err }, 'queue error'));
  const worker = createTrainingWorker({
    connection,
    prefix: config.redis.prefix,
    node: config.node,
    settings: config.worker,
    log,
    process,
  });
  const ids = await upsertSensorSchedules(queue, config);
  // A Redis that restarted without persistence lost the schedulers: upsert them again on every reconnection.
  client.on('ready', () => {
    upsertSensorSchedules(queue, config).then(
      () => log.info('redis reconnected: schedulers upserted again'),
      (err) => log.error({ err }, 'cannot upsert schedulers after reconnecting'),
    );
  });
  log.info(
    {
      node: config.node,
      schedulers: ids.length,
      cron: config.schedule.cron,
      takeoverBoundMs: takeoverBoundMs(config.worker),
    },
    'trainer node started',
  );
  return {
    queue,
    worker,
    async close() {
      await closeWorker(worker, config.worker.shutdownGraceMs);
      await queue.close();
      client.disconnect();
    },
  };
}

/**
 * Longest time before a live node takes over the job of a node that died: the dead node's lock lasts up to
 * lockDuration after its last renewal; BullMQ's stalled check is two-phase (a check marks the active jobs, the next
 * check, stalledInterval later, moves the marked ones whose lock is gone back to wait), so the job moves at the first
 * check after the lock expired whose previous check saw the job active: within max(lockDuration, stalledInterval) +
 * stalledInterval, i.e. lockDuration + stalledInterval with the defaults (60 s + 30 s), plus one fetch.
 */
export function takeoverBoundMs({
  lockDurationMs,
  stalledIntervalMs,
}: Pick<WorkerSettings, 'lockDurationMs' | 'stalledIntervalMs'>): number {
  return Math.max(lockDurationMs, stalledIntervalMs) + stalledIntervalMs;
}
