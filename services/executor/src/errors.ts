/**
 * Errors with stable codes (house style: `createError` codes). Fastify's error handler answers `statusCode` and the
 * message, which names the offending field for 4xx.
 */
export class ExecutorError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ExecutorError';
  }
}

type ErrorFactory<A extends unknown[]> = (...args: A) => ExecutorError;

/** Defines an error code once; `format` builds the message from the arguments. */
export function createError<A extends unknown[]>(
  code: string,
  statusCode: number,
  format: (...args: A) => string,
): ErrorFactory<A> {
  return (...args: A) => new ExecutorError(code, statusCode, format(...args));
}

export const badRequest = createError('EXECUTOR_BAD_REQUEST', 400, (field: string, message: string) =>
  field ? `${field}: ${message}` : message,
);
export const stationNotInitialized = createError(
  'EXECUTOR_STATION_NOT_INITIALIZED',
  404,
  (id: string) => `Station not initialized: ${id}`,
);
export const stateNotReady = createError('EXECUTOR_STATE_NOT_READY', 503, () => 'State is still loading');
export const stateWriteFailed = createError(
  'EXECUTOR_STATE_WRITE_FAILED',
  503,
  (id: string) => `Could not persist the state of station ${id}; nothing was applied, retry later`,
);
export const stationNotFound = createError(
  'EXECUTOR_STATION_NOT_FOUND',
  404,
  (id: string) => `Station not found: ${id}`,
);
