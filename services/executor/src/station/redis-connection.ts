/** Redis clients of the station store and of the readiness probe (cluster mode, REDIS_URL). */
import type { FastifyBaseLogger as Logger } from 'fastify';
import { Redis } from 'ioredis';
import { StartupError } from '../errors.js';

export interface RedisSettings {
  url: string;
  /** Connecting and each command. */
  timeoutMs: number;
}

/**
 * A client whose commands fail at once while the connection is down (no offline queue, nothing re-sent after a
 * reconnect), so a request that needs Redis answers 503 instead of waiting for it; it reconnects in the background,
 * backing off up to 2 s. Connects on `connect()`. A lost and a recovered connection are logged once each.
 */
export function redisClient({ url, timeoutMs }: RedisSettings, logger: Logger): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  });
  let up = false;
  let lost = false;
  client.on('error', (err: Error) => logger.debug({ err }, 'Redis connection error'));
  // 'reconnecting', not 'close': a client closed on purpose (shutdown) closes without reconnecting.
  client.on('reconnecting', () => {
    if (!up) return;
    up = false;
    lost = true;
    logger.warn({ redis: redactedUrl(url) }, 'Redis connection lost; requests that need it answer 503');
  });
  client.on('ready', () => {
    if (lost) logger.info({ redis: redactedUrl(url) }, 'Redis connection back');
    up = true;
    lost = false;
  });
  return client;
}

/** Connects `client`, or throws a StartupError naming REDIS_URL (and closes the client). */
export async function connectOrExplain(client: Redis, url: string): Promise<void> {
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    const why = err instanceof Error ? err.message : String(err);
    throw new StartupError(`REDIS_URL ${redactedUrl(url)} cannot be reached: ${why}`);
  }
}

/** The URL without its password, for logs and errors. */
export function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
