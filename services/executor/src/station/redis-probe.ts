import type { FastifyBaseLogger as Logger } from 'fastify';
import { connectOrExplain, type RedisSettings, redactedUrl, redisClient } from './redis-connection.js';

/** Whether the station state can be reached: why not, or undefined when it can. */
export type StateProbe = () => Promise<string | undefined>;

export interface RedisProbe {
  check: StateProbe;
  close(): Promise<void>;
}

/**
 * The readiness check of a Redis store: connects now (a StartupError naming REDIS_URL when it cannot), then each
 * check is a PING on the probe's own connection, so a lost, refused or stalled Redis is seen within REDIS_TIMEOUT_MS
 * and its recovery as soon as the client has reconnected.
 */
export async function openRedisProbe(settings: RedisSettings, logger: Logger): Promise<RedisProbe> {
  const client = redisClient(settings, logger);
  await connectOrExplain(client, settings.url);
  return {
    check: async () => {
      try {
        await client.ping();
        return undefined;
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        return `Redis (REDIS_URL ${redactedUrl(settings.url)}) cannot be reached: ${why}`;
      }
    },
    close: async () => {
      client.disconnect();
    },
  };
}
