/**
 * Typed errors of the Druid package. Services map them to HTTP statuses without parsing messages:
 * `DruidQueryError` / `UnsupportedQueryTypeError` / `DruidResponseError` describe bad input (4xx, `field` names the
 * offending part), `DruidTimeoutError` and `DruidRequestError` describe the broker (504 / 502).
 */

/** The query is not a valid Druid native query; `field` is the JSON path of the offending part (e.g. `intervals`). */
export class DruidQueryError extends Error {
  override readonly name: string = 'DruidQueryError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The query is valid JSON but not a `timeseries` query, the only type metric detection understands. */
export class UnsupportedQueryTypeError extends DruidQueryError {
  override readonly name = 'UnsupportedQueryTypeError';
  constructor(readonly queryType: string) {
    super('queryType', `only "timeseries" queries are supported, got ${JSON.stringify(queryType)}`);
  }
}

/** A Druid response (from the broker or supplied by a client) is not a timeseries result; `field` is its path. */
export class DruidResponseError extends Error {
  override readonly name = 'DruidResponseError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** The broker did not answer within the client's timeout. Not retried: a slow query would only get slower. */
export class DruidTimeoutError extends Error {
  override readonly name = 'DruidTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`Druid did not answer within ${timeoutMs} ms`);
  }
}

/**
 * The broker could not be reached or answered with an error. `status` is the HTTP status when there was an answer,
 * `attempts` how many tries were made (connection errors and 5xx are retried).
 */
export class DruidRequestError extends Error {
  override readonly name = 'DruidRequestError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
