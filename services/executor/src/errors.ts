/**
 * Errors with stable codes (house style: `createError` codes). Fastify's error handler answers `statusCode` and the
 * message, which names the offending field for 4xx.
 */
export class ExecutorError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
    /** Seconds after which the same request may succeed: answered as `Retry-After`. */
    readonly retryAfter?: number,
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
export const stateUnavailable = createError(
  'EXECUTOR_STATE_UNAVAILABLE',
  503,
  () => 'The station state cannot be read at the moment; retry later',
);
export const stationNotFound = createError(
  'EXECUTOR_STATION_NOT_FOUND',
  404,
  (id: string) => `Station not found: ${id}`,
);
export const unauthorized = createError(
  'EXECUTOR_UNAUTHORIZED',
  401,
  (group: string | undefined) =>
    `an API key is required${group ? ` for the ${group} routes` : ''}: Authorization: Bearer <token>`,
);
export const forbidden = createError(
  'EXECUTOR_FORBIDDEN',
  403,
  (group: string, has: string[]) =>
    `this API key may not call the ${group} routes (its groups: ${has.join(', ')})`,
);
export const rateLimited = createError(
  'EXECUTOR_RATE_LIMITED',
  429,
  (max: number, after: string) => `more than ${max} requests in the rate-limit window; retry in ${after}`,
);

/**
 * A block refused because too many outlier deliveries wait for the data server (the station's own, or the
 * executor's in all): nothing of it was applied, the client re-sends it after `retryAfter` seconds.
 */
export function deliveryBacklog(
  bound: { key: string; max: number; pending: number; station?: string },
  retryAfter: number,
): ExecutorError {
  const whose = bound.station === undefined ? 'the executor has' : `station ${bound.station} has`;
  return new ExecutorError(
    'EXECUTOR_DELIVERY_BACKLOG',
    503,
    `${whose} ${bound.pending} outlier deliveries waiting for the data server (${bound.key} ${bound.max}); ` +
      `the block was not applied, re-send it in ${retryAfter} s`,
    retryAfter,
  );
}

/** A start-up failure the operator can fix (a store that cannot be reached): reported in one line, no stack. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export const bodyTooLarge = createError(
  'EXECUTOR_BODY_TOO_LARGE',
  400,
  (key: string, limit: number) => `body: larger than the body limit (${key} = ${limit} bytes)`,
);
