import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { OutboxDispatcher } from '../outbox/outbox-dispatcher.js';
import { configuredDispatcher } from '../station/configured.js';
import { StationService } from '../station/station-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Null when DATA_SERVER_ENDPOINT is not set. */
    outbox: OutboxDispatcher | null;
  }
}

/**
 * Decorates `outbox`: the dispatcher that delivers station outbox entries to DATA_SERVER_ENDPOINT. Registered
 * after `station-service`, so it closes first (Fastify closes plugins in reverse order) and the service then writes
 * the last acknowledgements.
 */
export default fp<{ config: Config }>(
  async (fastify, { config }) => {
    // Station worker threads deliver their own stations' entries.
    const dispatcher =
      fastify.stations instanceof StationService
        ? configuredDispatcher(config, fastify.stations, fastify.log)
        : null;
    fastify.decorate('outbox', dispatcher);
    if (dispatcher) fastify.addHook('onClose', () => dispatcher.close());
  },
  { name: 'outbox', dependencies: ['station-service'] },
);
