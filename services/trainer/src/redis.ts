/** Redis connection options shared by the trainer's queues and workers. */
import type { ConnectionOptions } from 'bullmq';
import type { RedisSettings } from './config.js';

/**
 * BullMQ connection options for `settings.url`. Workers block on Redis and must keep retrying through a Redis restart
 * (`maxRetriesPerRequest: null`, as BullMQ requires); reconnection backs off up to 2 s.
 */
export function redisConnection(settings: Pick<RedisSettings, 'url'>): ConnectionOptions {
  const url = new URL(settings.url);
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 6379,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}
