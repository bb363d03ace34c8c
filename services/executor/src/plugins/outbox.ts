import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.js';

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
    const endpoint = config.DATA_SERVER_ENDPOINT;
    if (endpoint === undefined) {
      fastify.decorate('outbox', null);
      return;
    }
    const dispatcher = new OutboxDispatcher({
      endpoint,
      source: fastify.stations,
      logger: fastify.log.child({ component: 'outbox' }),
      timeoutMs: config.OUTBOX_TIMEOUT_MS,
      retryBaseMs: config.OUTBOX_RETRY_BASE_MS,
      retryMaxMs: config.OUTBOX_RETRY_MAX_MS,
      concurrency: config.OUTBOX_CONCURRENCY,
    });
    fastify.stations.onOutbox((id) => dispatcher.notify(id));
    fastify.decorate('outbox', dispatcher);
    fastify.addHook('onClose', () => dispatcher.close());
  },
  { name: 'outbox', dependencies: ['station-service'] },
);
