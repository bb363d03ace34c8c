import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { Config } from '../config.js';
import { detectDruidQuery } from '../detection/detect-druid-query.js';
import { bodyTooLarge, invalidField } from '../detection/metric-errors.js';
import { type BodyEncoding, decodeMetricRequest } from '../detection/metric-request.js';
import { createMetricRunner } from '../detection/metric-runner.js';
import { OutliersError, OutliersReply } from '../schemas/druid-query.js';
import { parseForm } from './parse-form.js';
import { splitDataMember } from './split-data-member.js';

/**
 * The metric-detection API of the network-traffic reference: `POST /api/v1/outliers` and its documented alias
 * `POST /calculate`. Bodies: application/x-www-form-urlencoded or multipart/form-data (base64 fields, as the
 * reference), or JSON. Errors answer `{"status":"error","msg","code"}` with a real HTTP status (the reference sent
 * 200; the app's error handler writes that shape for routes whose config says `errorReply: 'metric'`). The body
 * parsers are scoped to these two routes.
 */
const druidQueryRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (fastify, { config }) => {
  await fastify.register(formbody, { bodyLimit: config.BODY_LIMIT, parser: parseForm });
  // JSON bodies as usual, but for the text of `data`, cut out for the worker threads to parse (split-data-member.ts).
  const dataTexts = new WeakMap<object, string>();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: config.BODY_LIMIT },
    (request, text, done) => {
      const split = splitDataMember(text as string);
      if (split) dataTexts.set(request, split.data);
      parseJson(request, split ? split.rest : (text as string), done);
    },
  );
  // Multipart bodies are streamed, not held to bodyLimit: a declared length over it is refused before reading, and
  // busboy cuts a longer field silently at fieldSize, so fieldSize is one byte over the limit and a field that
  // long is refused (the rest of its body is read and dropped, never kept).
  await fastify.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: {
      fieldSize: config.BODY_LIMIT + 1,
      fileSize: config.BODY_LIMIT,
      fields: 16,
      files: 3,
      parts: 19,
    },
  });
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    if (Number(request.headers['content-length']) > config.BODY_LIMIT) {
      throw bodyTooLarge(config.BODY_LIMIT);
    }
    return payload;
  });
  fastify.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) return;
    for (const [name, value] of Object.entries((request.body ?? {}) as Record<string, unknown>)) {
      if (((value as { length?: number } | null)?.length ?? 0) > config.BODY_LIMIT) {
        throw invalidField(name, `larger than the body limit (BODY_LIMIT = ${config.BODY_LIMIT} bytes)`);
      }
    }
  });
  const schema = {
    tags: ['metrics'],
    summary: 'Anomalies of a Druid timeseries (query run against Druid, or its response given as data)',
    consumes: ['application/x-www-form-urlencoded', 'multipart/form-data', 'application/json'],
    response: { 200: OutliersReply, '4xx': OutliersError, '5xx': OutliersError },
  };
  const runner = createMetricRunner({ workers: config.METRIC_WORKERS, k: config.K });
  const queryPolicy = {
    dataSources: config.DRUID_DATA_SOURCES.split(','),
    maxTimeoutMs: config.DRUID_TIMEOUT_MS,
  };
  fastify.addHook('onClose', () => runner.close());

  const handler = async (
    request: { body: unknown; headers: { 'content-type'?: string | undefined }; log: typeof fastify.log },
    reply: FastifyReply,
  ) => {
    const encoding: BodyEncoding = request.headers['content-type']?.startsWith('application/json')
      ? 'json'
      : 'form';
    const fields = decodeMetricRequest(request.body, encoding, dataTexts.get(request));
    const body = await detectDruidQuery(fields, {
      druid: fastify.druid,
      models: fastify.metricModels.cache,
      runner,
      defaultModel: config.DEFAULT_MODEL,
      metric: config.METRIC,
      queryPolicy,
      log: request.log,
    });
    // Serialised where the detection ran (reply-json.ts), not again here.
    return reply.type('application/json; charset=utf-8').send(body);
  };
  const replies = { errorReply: 'metric' as const };
  fastify.post('/api/v1/outliers', { schema, config: replies }, handler);
  fastify.post(
    '/calculate',
    { schema: { ...schema, summary: 'Alias of POST /api/v1/outliers' }, config: replies },
    handler,
  );
};

export default druidQueryRoutes;
