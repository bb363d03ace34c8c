import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { deliveryBounds } from '../outbox/delivery-bounds.js';

const Status = Type.Object({
  status: Type.String(),
  /** Why the executor is not ready. */
  reason: Type.Optional(Type.String()),
  stations: Type.Optional(Type.Integer()),
  /** Outbox entries not yet delivered to the data server, and their bound (OUTBOX_MAX_PENDING). */
  pendingDeliveries: Type.Optional(Type.Integer()),
  maxPendingDeliveries: Type.Optional(Type.Integer()),
});

/**
 * Liveness (the process answers) and readiness: station state loaded and reachable (Redis, when configured), the
 * model store readable, and the deliveries to the data server within their bound. Consul checks /ready, so an
 * executor that cannot reach its state or models, or is saturated (every block would be refused), leaves the
 * healthy set until it recovers; /health stays 200 meanwhile (nothing is wrong with the process).
 */
const healthRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (fastify, { config }) => {
  const bounds = deliveryBounds(config);
  fastify.get('/health', { schema: { tags: ['health'], response: { 200: Status } } }, async () => ({
    status: 'ok',
  }));
  fastify.get(
    '/ready',
    { schema: { tags: ['health'], response: { 200: Status, 503: Status } } },
    async (_request, reply) => {
      const stations = fastify.stations;
      if (!stations.ready) return reply.code(503).send({ status: 'loading' });
      const reason = (await fastify.stateProbe()) ?? (await fastify.modelStoreProbe());
      if (reason) return reply.code(503).send({ status: 'unavailable', reason });
      // Without a data server there is no outbox, nothing to count.
      if (!bounds) return { status: 'ready', stations: stations.size };
      // In cluster mode the shared stream holds every executor's undelivered entries: its length is the total.
      let pending = stations.pendingDeliveries;
      if (fastify.streamOutbox) {
        try {
          pending = await fastify.streamOutbox.streamLength();
        } catch (err) {
          const why = `outbox stream length cannot be read from Redis: ${(err as Error).message}`;
          return reply.code(503).send({ status: 'unavailable', reason: why });
        }
      }
      const figures = {
        stations: stations.size,
        pendingDeliveries: pending,
        maxPendingDeliveries: bounds.total,
      };
      if (pending >= bounds.total) {
        return reply.code(503).send({
          status: 'saturated',
          reason: `${pending} outlier deliveries wait for the data server (OUTBOX_MAX_PENDING ${bounds.total}): blocks are refused until they drain`,
          ...figures,
        });
      }
      return { status: 'ready', ...figures };
    },
  );
};

export default fp(healthRoutes, {
  name: 'health-routes',
  dependencies: ['swagger', 'station-service', 'model-store', 'stream-outbox'],
});
