/**
 * The stations as the configuration asks for them: built the same way on the event loop and in each station thread.
 */
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Config } from '../config.js';
import type { DetectorBackend } from '../detection/initialize-station.js';
import { OutboxDispatcher, type OutboxSource } from '../outbox/outbox-dispatcher.js';
import { DiskStationStore } from './disk-station-store.js';
import { StationService } from './station-service.js';
import { type Shard, shardOfKey } from './station-threads.js';

/**
 * A StationService on the disk store under STATE_DIR, delivering to DATA_SERVER_ENDPOINT when it is set. With
 * `shard`, only that shard's stations, with its share of open files and of MAX_RESIDENT_STATIONS.
 */
export function openStations(
  config: Config,
  backend: DetectorBackend,
  logger: Logger,
  shard?: Shard,
): StationService {
  const shards = shard?.count ?? 1;
  const store = new DiskStationStore({
    dir: config.STATE_DIR,
    fsync: config.STATE_FSYNC,
    historyLimit: config.OUTLIER_HISTORY_LIMIT,
    openFiles: shard ? Math.max(16, Math.floor(config.STATE_OPEN_FILES / shards)) : config.STATE_OPEN_FILES,
    logger: logger.child({ component: 'store' }),
    ...(shard ? { includes: (key: string) => shardOfKey(key, shards) === shard.index } : {}),
  });
  const endpoint = config.DATA_SERVER_ENDPOINT;
  return new StationService({
    store,
    backend,
    logger: logger.child({ component: 'stations' }),
    ackFlushMs: config.OUTBOX_ACK_FLUSH_MS,
    maxResident: Math.ceil(config.MAX_RESIDENT_STATIONS / shards),
    ...(endpoint === undefined
      ? {}
      : {
          outbox: {
            kind: 'dispatcher' as const,
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
          },
        }),
  });
}
