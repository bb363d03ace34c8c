import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { BodyLimitKey } from '../config.js';
import { predictionFailed } from '../detection/metric-errors.js';
import { bodyTooLarge, ExecutorError } from '../errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * How the route's errors are written: `metric`, the metric API's `{"status":"error","msg","code"}` (the network
     * traffic reference's shape); by default the station API's `{status, code, message}`.
     */
    errorReply?: 'metric';
    /** The configuration key of the route's bodyLimit, named when a body is over it (default BODY_LIMIT). */
    bodyLimitKey?: BodyLimitKey;
  }
}

interface ErrorAnswer {
  statusCode: number;
  body: Record<string, string | undefined>;
}

/**
 * The one error handler of the app: 4xx keep their message (it names the field) and are logged at info; 5xx are
 * logged with the request (and the cause, when an error wraps one) and answered without internals, except a
 * request turned away with Retry-After (load shed on purpose, seen in /ready and /metrics: one error line per
 * refused block would flood the log), logged at info. The route's `errorReply` config picks the body's shape.
 */
export function errorHandler(raised: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const error = raised.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? overLimit(request) : raised;
  const statusCode = statusOf(error, request);
  const retryAfter = error instanceof ExecutorError ? error.retryAfter : undefined;
  if (statusCode >= 500 && retryAfter === undefined) request.log.error({ err: error }, 'request failed');
  else request.log.info({ err: error }, 'rejected request');
  const answer =
    request.routeOptions.config.errorReply === 'metric'
      ? metricAnswer(error, statusCode)
      : stationAnswer(error, statusCode);
  // Every 503 is temporary (state loading or unreachable, shutting down, a delivery backlog): tell clients when to
  // try again; a refusal that knows how long it lasts says so.
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  else if (answer.statusCode === 503 && !reply.hasHeader('retry-after'))
    reply.header('retry-after', RETRY_AFTER_S);
  return reply.code(answer.statusCode).send(answer.body);
}

const RETRY_AFTER_S = '1';

/** Fastify's refusal of a body over the route's limit, as a 400 naming the limit (`body: … (KEY = n bytes)`). */
function overLimit(request: FastifyRequest): FastifyError {
  const { bodyLimit, config } = request.routeOptions;
  return bodyTooLarge(config.bodyLimitKey ?? 'BODY_LIMIT', bodyLimit) as FastifyError;
}

function statusOf(error: FastifyError, request: FastifyRequest): number {
  // A multipart body busboy could not read (no boundary, cut short) fails before any body exists: the client's.
  // (The header, not isMultipart(): only the metric routes' scope has the multipart plugin.)
  const multipart = /^multipart\/form-data\b/i.test(request.headers['content-type'] ?? '');
  if (error.statusCode === undefined && multipart && request.body === undefined) return 400;
  // 400 rather than 413 for an oversized body, as the reference services answer.
  if (error.statusCode === 413) return 400;
  return error.statusCode ?? 500;
}

/** An unknown station answers exactly the reference's 404 body. */
function stationAnswer(error: FastifyError, statusCode: number): ErrorAnswer {
  if (error.code === 'EXECUTOR_STATION_NOT_INITIALIZED') {
    return { statusCode: 404, body: { status: 'Station not initialized' } };
  }
  let message = error.message;
  if (statusCode >= 500 && statusCode !== 503) message = 'Internal error';
  return { statusCode, body: { status: reasonOf(statusCode), code: error.code, message } };
}

/**
 * Errors of our own (EXECUTOR_ codes) as they are; a failure of anything else is the reference's prediction failure,
 * and a client error raised by Fastify or a body parser (bad JSON, unsupported type) names the body.
 */
function metricAnswer(error: FastifyError, statusCode: number): ErrorAnswer {
  const ours = error.code?.startsWith('EXECUTOR_') ?? false;
  if (statusCode >= 500 && !ours) {
    const failure = predictionFailed();
    return { statusCode: 500, body: { status: 'error', msg: failure.message, code: failure.code } };
  }
  const msg = ours || statusCode >= 500 ? error.message : `body: ${error.message}`;
  return { statusCode, body: { status: 'error', msg, code: error.code ?? 'EXECUTOR_BAD_REQUEST' } };
}

function reasonOf(statusCode: number): string {
  if (statusCode === 400) return 'Bad request';
  if (statusCode === 404) return 'Not found';
  if (statusCode === 503) return 'Unavailable';
  return statusCode < 500 ? 'Rejected' : 'Error';
}
