/**
 * Queue names and job payloads. A payload carries the whole sensor definition and training settings, so any node
 * sharing the Redis can train any sensor: a job survives the node that scheduled it.
 */
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { UnrecoverableError } from 'bullmq';
import { keyPath, SensorSchema, TrainingSettingsSchema } from './config.js';

/** The one queue of training jobs. */
export const TRAINING_QUEUE = 'sensor-training';

/** Job name of a scheduled sensor training. */
export const TRAIN_SENSOR_JOB = 'train-sensor';

export const TrainSensorPayloadSchema = Type.Object(
  {
    sensor: SensorSchema,
    training: TrainingSettingsSchema,
  },
  { additionalProperties: false },
);
export type TrainSensorPayload = Static<typeof TrainSensorPayloadSchema>;

/**
 * Validates a job's data. A malformed payload will not get better on retry, so it fails the job for good
 * (UnrecoverableError) with the offending keys in the reason.
 */
export function parseTrainSensorPayload(data: unknown): TrainSensorPayload {
  if (Value.Check(TrainSensorPayloadSchema, data)) return data;
  const issues = new Set(
    [...Value.Errors(TrainSensorPayloadSchema, data)].map((e) => `${keyPath(e.path)}: ${e.message}`),
  );
  throw new UnrecoverableError(`invalid ${TRAIN_SENSOR_JOB} payload: ${[...issues].slice(0, 5).join('; ')}`);
}

/** The stable id of a sensor's job scheduler: the same on every node, so N nodes upsert one scheduler. */
export function schedulerId(sensor: string): string {
  return `${TRAIN_SENSOR_JOB}:${sensor}`;
}
