/**
 * Error codes of the metric-detection API (`POST /api/v1/outliers`). Messages keep the reference's wording where it
 * had one, so clients matching on `msg` keep working; `code` tells the cases apart.
 */
import { createError } from '../errors.js';

export const noDataProvided = createError('EXECUTOR_NO_DATA', 400, () => 'No data provided or requested');
export const invalidField = createError('EXECUTOR_INVALID_FIELD', 400, (field: string, message: string) =>
  message.startsWith(`${field}`) ? message : `${field}: ${message}`,
);
export const modelNotFound = createError(
  'EXECUTOR_MODEL_NOT_FOUND',
  404,
  (name: string) => `Unknown model: ${name}`,
);
export const druidFailed = createError('EXECUTOR_DRUID_FAILED', 502, () => 'Could not execute druid query');
export const druidTimeout = createError('EXECUTOR_DRUID_TIMEOUT', 504, () => 'Could not execute druid query');
export const predictionFailed = createError(
  'EXECUTOR_PREDICTION_FAILED',
  500,
  () => 'Error while calculating prediction model',
);

/** `error`, carrying what caused it for the log (the client sees only `error`). */
export function causedBy<E extends Error>(error: E, cause: unknown): E {
  return Object.assign(error, { cause });
}
