import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import fp from 'fastify-plugin';
import { stationNotFound } from '../errors.js';
import { ErrorReply, type InputLimits } from '../schemas/common.js';
import {
  ListQuery,
  OutliersPage,
  OutliersQuery,
  StationDetail,
  StationList,
  stationParams,
} from '../schemas/stations.js';

/**
 * Read-only views of the stations: list (from the summaries: restores nothing), detail (restores the station), and
 * the bounded history of detected outliers.
 */
const stationsRoutes: FastifyPluginAsyncTypebox<{ limits: InputLimits }> = async (fastify, { limits }) => {
  const StationParams = stationParams(limits);
  fastify.get(
    '/stations',
    {
      schema: { tags: ['stations'], querystring: ListQuery, response: { 200: StationList, 400: ErrorReply } },
    },
    async (request) => {
      const all = await fastify.stations.list();
      const { limit, offset } = request.query;
      return {
        total: all.length,
        stations: all.slice(offset, offset + limit).map((s) => ({
          id_estacio: s.id,
          variables: s.variables,
          blocks: s.blocks,
          updatedAt: s.updatedAt,
        })),
      };
    },
  );

  fastify.get(
    '/stations/:id',
    {
      schema: {
        tags: ['stations'],
        params: StationParams,
        response: { 200: StationDetail, 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (request) => {
      const station = await fastify.stations.describe(request.params.id);
      if (!station) throw stationNotFound(request.params.id);
      return station;
    },
  );

  fastify.get(
    '/stations/:id/outliers',
    {
      schema: {
        tags: ['stations'],
        params: StationParams,
        querystring: OutliersQuery,
        response: { 200: OutliersPage, 400: ErrorReply, 404: ErrorReply },
      },
    },
    async (request) => {
      const page = await fastify.stations.history(
        request.params.id,
        request.query.cursor,
        request.query.limit,
      );
      if (!page) throw stationNotFound(request.params.id);
      return { outliers: page.entries, nextCursor: page.nextCursor };
    },
  );
};

export default fp(stationsRoutes, { name: 'stations-routes', dependencies: ['swagger', 'station-service'] });
