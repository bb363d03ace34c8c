/**
 * The stations as the configuration asks for them: built the same way on the event loop and in each station thread.
 */
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Config } from '../config.js';
import type { DetectorBackend } from '../detection/initialize-station.js';
import { deliveryBounds } from '../outbox/delivery-bounds.js';
import { OutboxDispatcher, type OutboxSource } from '../outbox/outbox-dispatcher.js';
import { DiskStationStore } from './disk-station-store.js';
import { RedisStationStore } from './redis-station-store.js';
import { type OutboxSink, StationService } from './station-service.js';
import { type Shard, shardOfKey } from './station-threads.js';

/**
 * A StationService on the Redis store when REDIS_URL is set (its outbox is the shared stream), else on the disk
 * store under STATE_DIR (its outbox delivered from memory); entries are made only when DATA_SERVER_ENDPOINT is set.
 * With `shard`, only that shard's stations, with its share of open files and of MAX_RESIDENT_STATIONS.
 */
export function openStations(
  config: Config,
  backend: DetectorBackend,
  logger: Logger,
  shard?: Shard,
): StationService {
  const shards = shard?.count ?? 1;
  const includes = shard ? { includes: (key: string) => shardOfKey(key, shards) === shard.index } : {};
  const storeLogger = logger.child({ component: 'store' });
  const redisUrl = config.REDIS_URL;
  const store =
    redisUrl === undefined
      ? new DiskStationStore({
          dir: config.STATE_DIR,
          fsync: config.STATE_FSYNC,
          historyLimit: config.OUTLIER_HISTORY_LIMIT,
          openFiles: shard
            ? Math.max(16, Math.floor(config.STATE_OPEN_FILES / shards))
            : config.STATE_OPEN_FILES,
          logger: storeLogger,
          ...includes,
        })
      : new RedisStationStore({
          url: redisUrl,
          timeoutMs: config.REDIS_TIMEOUT_MS,
          prefix: config.REDIS_PREFIX,
          historyLimit: config.OUTLIER_HISTORY_LIMIT,
          logger: storeLogger,
          ...includes,
        });
  const outbox = outboxSink(config, logger, redisUrl !== undefined);
  return new StationService({
    store,
    backend,
    logger: logger.child({ component: 'stations' }),
    ackFlushMs: config.OUTBOX_ACK_FLUSH_MS,
    maxResident: Math.ceil(config.MAX_RESIDENT_STATIONS / shards),
    // A thread checks the total bound against its own entries; the event loop checks it against all threads'.
    bounds: deliveryBounds(config),
    ...(outbox ? { outbox } : {}),
  });
}

/** Where outbox entries go: nowhere without DATA_SERVER_ENDPOINT; the Redis store's stream; else the dispatcher. */
function outboxSink(config: Config, logger: Logger, redis: boolean): OutboxSink | undefined {
  const endpoint = config.DATA_SERVER_ENDPOINT;
  if (endpoint === undefined) return undefined;
  if (redis) return { kind: 'store' };
  return {
    kind: 'dispatcher',
    dispatcher: (source: OutboxSource) =>
      new OutboxDispatcher({
        endpoint,
        source,
        logger: logger.child({ component: 'outbox' }),
        timeoutMs: config.OUTBOX_TIMEOUT_MS,
        retryBaseMs: config.OUTBOX_RETRY_BASE_MS,
        retryMaxMs: config.OUTBOX_RETRY_MAX_MS,
        concurrency: config.OUTBOX_CONCURRENCY,
      }),
  };
}
