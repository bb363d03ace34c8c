/**
 * The station objects as the configuration asks for them: built the same way on the event loop (plugins) and in
 * each station worker thread.
 */
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Config } from '../config.js';
import type { DetectorBackend } from '../detection/initialize-station.js';
import { OutboxDispatcher } from '../outbox/outbox-dispatcher.js';
import { DiskStationStore, type Shard } from './disk-station-store.js';
import { StationService } from './station-service.js';
import type { StationStore } from './station-store.js';

/** The disk store under STATE_DIR; with `shard`, only that shard's stations (and its share of open files). */
export function configuredStore(config: Config, logger: Logger, shard?: Shard): DiskStationStore {
  return new DiskStationStore({
    dir: config.STATE_DIR,
    fsync: config.STATE_FSYNC,
    historyLimit: config.OUTLIER_HISTORY_LIMIT,
    openFiles: shard
      ? Math.max(16, Math.floor(config.STATE_OPEN_FILES / shard.count))
      : config.STATE_OPEN_FILES,
    logger: logger.child({ component: 'store' }),
    ...(shard ? { shard } : {}),
  });
}

/** `shards`: how many services share the stations (each keeps its share of MAX_RESIDENT_STATIONS). */
export function configuredService(
  config: Config,
  store: StationStore,
  backend: DetectorBackend,
  logger: Logger,
  shards = 1,
): StationService {
  return new StationService({
    store,
    backend,
    logger: logger.child({ component: 'stations' }),
    outboxEnabled: config.DATA_SERVER_ENDPOINT !== undefined,
    ackFlushMs: config.OUTBOX_ACK_FLUSH_MS,
    maxResident: Math.ceil(config.MAX_RESIDENT_STATIONS / shards),
  });
}

/** The dispatcher to DATA_SERVER_ENDPOINT, notified of `service`'s new entries; null when there is no endpoint. */
export function configuredDispatcher(
  config: Config,
  service: StationService,
  logger: Logger,
): OutboxDispatcher | null {
  const endpoint = config.DATA_SERVER_ENDPOINT;
  if (endpoint === undefined) return null;
  const dispatcher = new OutboxDispatcher({
    endpoint,
    source: service,
    logger: logger.child({ component: 'outbox' }),
    timeoutMs: config.OUTBOX_TIMEOUT_MS,
    retryBaseMs: config.OUTBOX_RETRY_BASE_MS,
    retryMaxMs: config.OUTBOX_RETRY_MAX_MS,
    concurrency: config.OUTBOX_CONCURRENCY,
  });
  service.onOutbox((id) => dispatcher.notify(id));
  return dispatcher;
}
