/**
 * A metric thread's answer, and the one place where errors cross the thread boundary: as values, because a
 * structured clone keeps an Error's message and stack but not its class, code or status.
 */
import { ExecutorError } from '../errors.js';
import { causedBy, predictionFailed } from './metric-errors.js';

export type MetricOutcome<T> = { value: T } | { error: ThreadFailure };

interface ThreadFailure {
  code: string;
  statusCode: number;
  message: string;
  /** What went wrong inside, for the log (never sent to the client). */
  cause?: Error;
}

/** In the thread: the value of `run`, or its failure as a value. */
export async function settle<T>(run: () => T | Promise<T>): Promise<MetricOutcome<T>> {
  try {
    return { value: await run() };
  } catch (error) {
    return failureOf(error);
  }
}

/** An ExecutorError as it is; anything else (a model that throws, a thread that died) is the model's failure, 500. */
export function failureOf(error: unknown): { error: ThreadFailure } {
  const known = error instanceof ExecutorError ? error : causedBy(predictionFailed(), error);
  const { code, statusCode, message, cause } = known;
  if (cause === undefined) return { error: { code, statusCode, message } };
  return {
    error: { code, statusCode, message, cause: cause instanceof Error ? cause : new Error(String(cause)) },
  };
}

/** On the event loop: the value, or the thread's failure thrown as the ExecutorError it was. */
export function unwrap<T>(outcome: MetricOutcome<T>): T {
  if ('value' in outcome) return outcome.value;
  const { code, statusCode, message, cause } = outcome.error;
  const error = new ExecutorError(code, statusCode, message);
  throw cause ? causedBy(error, cause) : error;
}
