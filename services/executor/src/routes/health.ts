import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import fp from 'fastify-plugin';

const Status = Type.Object({
  status: Type.String(),
  stations: Type.Optional(Type.Integer()),
  /** Why the executor is not ready. */
  reason: Type.Optional(Type.String()),
});

/** Liveness (the process answers) and readiness (station state loaded, and reachable when in Redis). */
const healthRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/health', { schema: { tags: ['health'], response: { 200: Status } } }, async () => ({
    status: 'ok',
  }));
  fastify.get(
    '/ready',
    { schema: { tags: ['health'], response: { 200: Status, 503: Status } } },
    async (_request, reply) => {
      if (!fastify.stations.ready) return reply.code(503).send({ status: 'loading' });
      const reason = await fastify.stateProbe();
      if (reason) return reply.code(503).send({ status: 'unavailable', reason });
      return { status: 'ready', stations: fastify.stations.size };
    },
  );
};

export default fp(healthRoutes, { name: 'health-routes', dependencies: ['swagger', 'station-service'] });
