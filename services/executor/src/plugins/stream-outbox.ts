import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import {
  type StreamOutboxDispatcher,
  startStreamOutboxDispatcher,
} from '../outbox/stream-outbox-dispatcher.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The cluster's outbox dispatcher (REDIS_URL and DATA_SERVER_ENDPOINT set), else undefined. */
    streamOutbox: StreamOutboxDispatcher | undefined;
  }
}

/**
 * In cluster mode (REDIS_URL) the stations' commits append their outbox entries to the shared Redis stream; each
 * executor process runs one dispatcher that takes its share of them from the consumer group and delivers them to
 * DATA_SERVER_ENDPOINT. Started after the station service, so an unreachable Redis has already stopped the start
 * with its one-line error; closed before it (hooks run in reverse), finishing the attempts in flight.
 */
export default fp<{ config: Config }>(
  async (fastify, { config }) => {
    const endpoint = config.DATA_SERVER_ENDPOINT;
    const dispatcher =
      config.REDIS_URL === undefined || endpoint === undefined
        ? undefined
        : await startStreamOutboxDispatcher({
            redis: config.REDIS_URL,
            keyPrefix: config.REDIS_PREFIX,
            endpoint,
            logger: fastify.log.child({ component: 'stream-outbox' }),
            timeoutMs: config.OUTBOX_TIMEOUT_MS,
            retryBaseMs: config.OUTBOX_RETRY_BASE_MS,
            retryMaxMs: config.OUTBOX_RETRY_MAX_MS,
            concurrency: config.OUTBOX_CONCURRENCY,
            claimIdleMs: config.OUTBOX_CLAIM_IDLE_MS,
          });
    fastify.decorate('streamOutbox', dispatcher);
    if (dispatcher) fastify.addHook('onClose', () => dispatcher.close());
  },
  { name: 'stream-outbox', dependencies: ['station-service'] },
);
