import { DruidClient } from '@outliers/druid';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Null when DRUID_URL is not set: the metric API then serves `data` requests only. */
    druid: DruidClient | null;
  }
}

/** Decorates `druid`: the broker client used by the metric API (timeout DRUID_TIMEOUT_MS, bounded retries). */
export default fp<{ config: Config; client?: DruidClient }>(
  async (fastify, { config, client }) => {
    const druid =
      client ??
      (config.DRUID_URL
        ? new DruidClient({ url: config.DRUID_URL, timeoutMs: config.DRUID_TIMEOUT_MS })
        : null);
    fastify.decorate('druid', druid);
    // An injected client belongs to whoever injected it.
    if (druid && !client) fastify.addHook('onClose', () => druid.close());
  },
  { name: 'druid-client' },
);
