import { Writable } from 'node:stream';
import Fastify from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { causedBy, modelNotFound, predictionFailed } from '../detection/metric-errors.js';
import { deliveryBacklog, stationNotInitialized } from '../errors.js';
import { errorHandler } from './error-handler.js';

/** An app whose routes throw `error`, one per reply format, and the log lines it writes. */
function appThrowing(error: () => Error) {
  const lines: { level: number; msg: string; err?: { message: string; stack: string } }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const app = Fastify({ loggerInstance: pino(stream) });
  app.setErrorHandler(errorHandler);
  const handler = async () => {
    throw error();
  };
  app.get('/station', handler);
  app.get('/metric', { config: { errorReply: 'metric' } }, handler);
  return { app, lines };
}

describe('errorHandler', () => {
  it("writes each route's format: the station API's and, by its config, the metric API's", async () => {
    const { app } = appThrowing(() => modelNotFound('m1'));
    expect((await app.inject({ url: '/station' })).json()).toEqual({
      status: 'Not found',
      code: 'EXECUTOR_MODEL_NOT_FOUND',
      message: 'Unknown model: m1',
    });
    const metric = await app.inject({ url: '/metric' });
    expect(metric.statusCode).toBe(404);
    expect(metric.json()).toEqual({
      status: 'error',
      msg: 'Unknown model: m1',
      code: 'EXECUTOR_MODEL_NOT_FOUND',
    });
  });

  it("answers an unknown station with the reference's body", async () => {
    const { app } = appThrowing(() => stationNotInitialized('s1'));
    const res = await app.inject({ url: '/station' });
    expect([res.statusCode, res.json()]).toEqual([404, { status: 'Station not initialized' }]);
  });

  it('logs a 5xx once, with the cause it carries, and answers without internals', async () => {
    const { app, lines } = appThrowing(() =>
      causedBy(predictionFailed(), new Error('weights.bin is corrupt')),
    );
    const res = await app.inject({ url: '/metric' });
    expect([res.statusCode, res.json()]).toEqual([
      500,
      {
        status: 'error',
        msg: 'Error while calculating prediction model',
        code: 'EXECUTOR_PREDICTION_FAILED',
      },
    ]);
    const failed = lines.filter((line) => line.level >= 50);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.err!.stack).toContain('weights.bin is corrupt');
    expect(res.body).not.toContain('weights.bin');
  });

  it('answers a request turned away with Retry-After, logged at info (load shed, not a failure)', async () => {
    const { app, lines } = appThrowing(() =>
      deliveryBacklog({ key: 'OUTBOX_MAX_PENDING', max: 10, pending: 11 }, 5),
    );
    const res = await app.inject({ url: '/station' });
    expect([res.statusCode, res.headers['retry-after'], res.json()]).toEqual([
      503,
      '5',
      {
        status: 'Unavailable',
        code: 'EXECUTOR_DELIVERY_BACKLOG',
        message:
          'the executor has 11 outlier deliveries waiting for the data server (OUTBOX_MAX_PENDING 10); ' +
          'the block was not applied, re-send it in 5 s',
      },
    ]);
    expect(lines.filter((line) => line.level >= 40)).toEqual([]);
    expect(lines.filter((line) => line.msg === 'rejected request')).toHaveLength(1);
  });

  it("answers any other failure as the metric API's prediction failure, and the station API's internal error", async () => {
    const { app } = appThrowing(() => new TypeError('x is undefined'));
    const metric = await app.inject({ url: '/metric' });
    expect([metric.statusCode, metric.json().code]).toEqual([500, 'EXECUTOR_PREDICTION_FAILED']);
    expect((await app.inject({ url: '/station' })).json()).toEqual({
      status: 'Error',
      message: 'Internal error',
    });
  });
});
