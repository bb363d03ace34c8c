import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InvalidInputError, type StreamDetectorOptions } from '@outliers/core';
import type { DetectorBackend } from '../detection/initialize-station.js';
import { type RawSample, toStationSamples } from '../detection/station-samples.js';
import { badRequest } from '../errors.js';
import {
  DetectionBody,
  DetectionReply,
  ErrorReply,
  InitializeBody,
  OkReply,
} from '../schemas/station-stream.js';

/** The reference station server's contract: POST /initialize and POST /detection. */
const stationStreamRoutes: FastifyPluginAsyncTypebox<{ backend: DetectorBackend }> = async (
  fastify,
  { backend },
) => {
  fastify.post(
    '/initialize',
    {
      schema: {
        summary: 'Initialise (or re-initialise) the detectors of a station',
        description:
          'Same options as before keep a variable’s detector state; changed options start a new detector; ' +
          'variables not named are dropped.',
        tags: ['stations'],
        body: InitializeBody,
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

  fastify.post(
    '/detection',
    {
      schema: {
        summary: 'Feed a block of samples to a station',
        description:
          'Answers the outliers this block revealed (a windowed detector may flag samples of earlier blocks). ' +
          'Samples whose timestamp is not newer than the last one of a variable are skipped (re-sends).',
        tags: ['stations'],
        body: DetectionBody,
        response: { 200: DetectionReply, 400: ErrorReply, 404: ErrorReply, 503: ErrorReply },
      },
    },
    async (request) => {
      const { id_estacio, numero_mostres, mostres } = request.body;
      const samples = toStationSamples(numero_mostres, mostres as RawSample[]);
      const result = await fastify.stations.detect(id_estacio, samples);
      return { status: 'Ok' as const, outliers: result.outliers, skipped: result.skipped };
    },
  );
};

export default stationStreamRoutes;
