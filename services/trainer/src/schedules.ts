/**
 * One BullMQ job scheduler per configured sensor, under a stable id (`train-sensor:<name>`). Upserting is
 * idempotent and BullMQ derives each tick's job id from the scheduler id and the tick's time, so N nodes that
 * configure the same sensor on one Redis produce one job per sensor per tick.
 */
import { ErrorCode, type Queue } from 'bullmq';
import type { SensorConfig, TrainerConfig } from './config.js';
import { schedulerId, TRAIN_SENSOR_JOB, type TrainSensorPayload } from './queues.js';

/** Upserts in flight at once: one round trip each, so 1,000 sensors take seconds one by one. */
const UPSERT_CONCURRENCY = 16;

/** Upserts the scheduler of every sensor of this node; returns the scheduler ids. */
export async function upsertSensorSchedules(
  queue: Queue<TrainSensorPayload>,
  config: Pick<TrainerConfig, 'schedule' | 'sensors' | 'training' | 'worker'>,
): Promise<string[]> {
  let next = 0;
  const lane = async () => {
    while (next < config.sensors.length) await upsertOne(queue, config.sensors[next++]!, config);
  };
  await Promise.all(Array.from({ length: Math.min(UPSERT_CONCURRENCY, config.sensors.length) }, lane));
  return config.sensors.map((s) => schedulerId(s.name));
}

/**
 * Upserts one sensor's scheduler. Two nodes starting together upsert the same scheduler at once; BullMQ then refuses
 * the later upsert when the tick it would add already has its job (created by the other node, possibly already
 * running): the scheduler exists and produces that sensor's jobs, which is all this upsert was for.
 */
async function upsertOne(
  queue: Queue<TrainSensorPayload>,
  sensor: SensorConfig,
  config: Pick<TrainerConfig, 'schedule' | 'training' | 'worker'>,
): Promise<void> {
  try {
    await queue.upsertJobScheduler(
      schedulerId(sensor.name),
      { pattern: config.schedule.cron, tz: config.schedule.timezone },
      {
        name: TRAIN_SENSOR_JOB,
        data: { sensor, training: config.training },
        opts: {
          attempts: config.worker.attempts,
          backoff: { type: 'exponential', delay: config.worker.backoffMs },
          removeOnComplete: { count: config.worker.keepCompleted },
          // Failed jobs stay, with their reason, for post-mortems.
          removeOnFail: { count: config.worker.keepFailed },
        },
      },
    );
  } catch (err) {
    if ((err as { code?: unknown }).code !== ErrorCode.SchedulerJobIdCollision) throw err;
  }
}

/**
 * Removes a sensor's scheduler (a sensor dropped from every node's configuration; nodes only upsert, since each
 * knows its own sensors only). Returns false when there was none.
 */
export function removeSensorSchedule(queue: Queue, sensor: string): Promise<boolean> {
  return queue.removeJobScheduler(schedulerId(sensor));
}
