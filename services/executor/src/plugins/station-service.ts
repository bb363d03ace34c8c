import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { DetectorBackend } from '../detection/initialize-station.js';
import { configuredService, configuredStore } from '../station/configured.js';
import type { StationStore } from '../station/station-store.js';
import { StationWorkers } from '../station/station-workers.js';
import type { Stations } from '../station/stations.js';

declare module 'fastify' {
  interface FastifyInstance {
    stations: Stations;
  }
}

export interface StationServicePluginOptions {
  config: Config;
  /** Default: the disk store under STATE_DIR (station worker threads build their own). */
  store?: StationStore;
  backend: DetectorBackend;
  /** Station worker threads (each owns a shard of the stations, with its own store and outbox); 0: event loop. */
  workers: number;
}

/**
 * Decorates `stations`: a StationService on the event loop, or `workers` threads each running one for its shard.
 * Reading the station index starts when the app is ready (GET /ready tells when it is done; requests wait for it);
 * on close, queued requests finish and delivered outbox entries are written.
 */
export default fp<StationServicePluginOptions>(
  async (fastify, { config, store, backend, workers }) => {
    const onLoop = workers > 0 ? undefined : (store ?? configuredStore(config, fastify.log));
    const stations: Stations = onLoop
      ? configuredService(config, onLoop, backend, fastify.log)
      : new StationWorkers(config, workers, fastify.log.child({ component: 'station-workers' }));
    fastify.decorate('stations', stations);
    fastify.addHook('onReady', async () => {
      stations
        .load()
        .catch((err: unknown) => fastify.log.fatal({ err }, 'station state could not be loaded'));
    });
    fastify.addHook('onClose', async () => {
      await stations.close();
      await onLoop?.close();
    });
  },
  { name: 'station-service' },
);
