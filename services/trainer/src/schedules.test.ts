import { ErrorCode, type Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import type { TrainSensorPayload } from './queues.js';
import { upsertSensorSchedules } from './schedules.js';

const config = parseConfig(
  JSON.stringify({
    node: 'a',
    schedule: { cron: '0 * * * *' },
    training: { epochs: 1, batchSize: 4, k: 5 },
    sensors: ['north', 'south', 'east'].map((name) => ({ name, file: `${name}.csv`, metrics: ['bytes'] })),
    redis: { url: 'redis://127.0.0.1:6379' },
  }),
  'a.json',
);

/** A queue whose upsert of `failing` throws `error` (what BullMQ's script answered); records the others. */
function queueFailingOn(failing: string, error: Error) {
  const upserted: string[] = [];
  const queue = {
    upsertJobScheduler: async (id: string) => {
      if (id.endsWith(failing)) throw error;
      upserted.push(id);
    },
  } as unknown as Queue<TrainSensorPayload>;
  return { queue, upserted };
}

function bullmqError(message: string, code: number): Error {
  return Object.assign(new Error(message), { code });
}

describe('upsertSensorSchedules', () => {
  it("takes BullMQ's job id collision (another node's upsert added the tick first) as done", async () => {
    const collision = bullmqError(
      'Cannot create job scheduler iteration - job ID already exists. addJobScheduler',
      ErrorCode.SchedulerJobIdCollision,
    );
    const { queue, upserted } = queueFailingOn('south', collision);
    const ids = await upsertSensorSchedules(queue, config);
    expect(ids).toHaveLength(3);
    expect(upserted.sort()).toEqual(ids.filter((id) => !id.endsWith('south')).sort());
  });

  it('fails on any other error', async () => {
    const busy = bullmqError(
      'current and next time slots already have jobs',
      ErrorCode.SchedulerJobSlotsBusy,
    );
    await expect(upsertSensorSchedules(queueFailingOn('south', busy).queue, config)).rejects.toBe(busy);
    const down = new Error('Connection is closed.');
    await expect(upsertSensorSchedules(queueFailingOn('east', down).queue, config)).rejects.toBe(down);
  });
});
