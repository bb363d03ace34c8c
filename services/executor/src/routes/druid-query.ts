import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { bodyLimitOf, type Config } from '../config.js';
import { type MetricRequest, validateMetricBody } from '../detection/decode-metric-request.js';
import { detectDruidQuery } from '../detection/detect-druid-query.js';
import { OutliersBody, OutliersError, OutliersReply } from '../schemas/druid-query.js';
import metricBodies from './metric-bodies.js';

/**
 * The metric-detection API of the network-traffic reference: `POST /api/v1/outliers` and its documented alias
 * `POST /calculate`. Bodies: application/x-www-form-urlencoded or multipart/form-data (base64 fields, as the
 * reference), or JSON. Errors answer `{"status":"error","msg","code"}` with a real HTTP status (the reference sent
 * 200; the app's error handler writes that shape for routes whose config says `errorReply: 'metric'`).
 */
const druidQueryRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (fastify, { config }) => {
  await fastify.register(metricBodies, { multipartLimit: bodyLimitOf(config, 'BODY_LIMIT_MULTIPART') });

  const queryPolicy = {
    dataSources: config.DRUID_DATA_SOURCES.split(','),
    maxTimeoutMs: config.DRUID_TIMEOUT_MS,
  };

  const route = {
    bodyLimit: bodyLimitOf(config, 'BODY_LIMIT_METRIC'),
    schema: {
      tags: ['metrics'],
      summary: 'Anomalies of a Druid timeseries (query run against Druid, or its response given as data)',
      consumes: ['application/x-www-form-urlencoded', 'multipart/form-data', 'application/json'],
      body: OutliersBody,
      response: { 200: OutliersReply, '4xx': OutliersError, '5xx': OutliersError },
    },
    // The body schema documents the fields; the decoder checks them, as they may be base64 (a schema cannot say).
    validatorCompiler: () => validateMetricBody,
    config: { errorReply: 'metric' as const, bodyLimitKey: 'BODY_LIMIT_METRIC' as const },
  };
  const handler = async (request: FastifyRequest<{ Body: MetricRequest }>, reply: FastifyReply) => {
    const body = await detectDruidQuery(request.body, {
      druid: fastify.druid,
      models: fastify.metricModels.cache,
      runner: fastify.metricModels.runner,
      defaultModel: config.DEFAULT_MODEL,
      metric: config.METRIC,
      queryPolicy,
      log: request.log,
    });
    // Serialised where the detection ran (detection/reply-json.ts), not again here.
    return reply.type('application/json; charset=utf-8').send(body);
  };
  fastify.post<{ Body: MetricRequest }>('/api/v1/outliers', route, handler);
  fastify.post<{ Body: MetricRequest }>(
    '/calculate',
    { ...route, schema: { ...route.schema, summary: 'Alias of POST /api/v1/outliers' } },
    handler,
  );
};

// Encapsulated: its body parsers and validator stay with these two routes.
export default fp(druidQueryRoutes, {
  name: 'druid-query-routes',
  dependencies: ['swagger', 'model-store', 'druid-client'],
  encapsulate: true,
});
