import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InvalidInputError, type StreamDetectorOptions } from '@outliers/core';
import type { FastifyRequest, FastifyTypeProviderDefault } from 'fastify';
import fp from 'fastify-plugin';
import { DetectionBlock, detectionBlockReader } from '../detection/detection-block.js';
import { loadDetectorBackend } from '../detection/load-detector-backend.js';
import { badRequest } from '../errors.js';
import { decodeUtf8 } from '../json/utf8.js';
import type { InputLimits } from '../schemas/common.js';
import {
  DetectionReply,
  detectionBody,
  ErrorReply,
  initializeBody,
  OkReply,
} from '../schemas/station-stream.js';

/**
 * The reference station server's contract: POST /initialize and POST /detection, their bodies held to `bodyLimit`
 * (BODY_LIMIT_STATION) and to `limits`.
 */
const stationStreamRoutes: FastifyPluginAsyncTypebox<{
  detectors?: string;
  limits: InputLimits;
  bodyLimit: number;
}> = async (fastify, { detectors, limits, bodyLimit }) => {
  const backend = await loadDetectorBackend(detectors);
  const bodyLimits = { bodyLimit, config: { bodyLimitKey: 'BODY_LIMIT_STATION' as const } };
  fastify.post(
    '/initialize',
    {
      ...bodyLimits,
      schema: {
        summary: 'Initialise (or re-initialise) the detectors of a station',
        description:
          'Same options as before keep a variable’s detector state; changed options start a new detector; ' +
          'variables not named are dropped.',
        tags: ['stations'],
        body: initializeBody(limits),
        response: { 200: OkReply, 400: ErrorReply, 503: ErrorReply },
      },
    },
    async (request) => {
      const { id_estacio, variables } = request.body;
      const options = new Map<string, StreamDetectorOptions>();
      for (const [name, input] of Object.entries(variables)) {
        try {
          options.set(name, backend.normalize(input));
        } catch (err) {
          if (err instanceof InvalidInputError)
            throw badRequest(`variables.${name}.${err.argument}`, err.message);
          throw err;
        }
      }
      await fastify.stations.initialize(id_estacio, options);
      return { status: 'Ok' as const };
    },
  );

  // The body is a DetectionBlock, read and checked where it is detected (in the station's thread when there are
  // threads) in one pass, with the schema's verdicts: the route's schema only documents it.
  const read = detectionBlockReader(limits);
  await fastify.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer' },
      async (_request: FastifyRequest, bytes: Buffer) => new DetectionBlock(decodeUtf8(bytes), read),
    );
    scope.withTypeProvider<FastifyTypeProviderDefault>().post<{ Body: DetectionBlock }>(
      '/detection',
      {
        ...bodyLimits,
        schema: {
          summary: 'Feed a block of samples to a station',
          description:
            'Answers the outliers this block revealed (a windowed detector may flag samples of earlier blocks). ' +
            'Samples whose timestamp is not newer than the last one of a variable are skipped (re-sends).',
          tags: ['stations'],
          body: detectionBody(limits),
          response: { 200: DetectionReply, 400: ErrorReply, 404: ErrorReply, 503: ErrorReply },
        },
        // A request without a body never reaches the parser above.
        validatorCompiler: () => (body) =>
          body instanceof DetectionBlock ? { value: body } : { error: badRequest('body', 'missing') },
      },
      async (request) => {
        const { outliers, skipped } = await fastify.stations.detect(request.body);
        return { status: 'Ok' as const, outliers, skipped };
      },
    );
  });
};

export default fp(stationStreamRoutes, {
  name: 'station-stream-routes',
  dependencies: ['swagger', 'station-service'],
});
