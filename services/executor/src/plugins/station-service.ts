import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { loadDetectorBackend } from '../detection/load-detector-backend.js';
import { openStations } from '../station/configured.js';
import { openRedisProbe, type StateProbe } from '../station/redis-probe.js';
import { StationThreads } from '../station/station-threads.js';
import type { Stations } from '../station/stations.js';

declare module 'fastify' {
  interface FastifyInstance {
    stations: Stations;
    /** Why the station state cannot be reached (GET /ready), or undefined. */
    stateProbe: StateProbe;
  }
}

export interface StationServicePluginOptions {
  config: Config;
  /** The detectors' module (see loadDetectorBackend); default @outliers/core's. */
  detectors?: string;
}

/**
 * Decorates `stations` and `stateProbe` (whether Redis can be reached, when REDIS_URL is set). Stations:
 * STATION_WORKERS threads, each serving the stations of its shard, or with 0 one StationService on the event loop.
 * Reading the station index starts when the app is ready (GET /ready tells when it is done; requests wait for it);
 * on close, deliveries stop, queued requests finish and what is pending is written.
 */
export default fp<StationServicePluginOptions>(
  async (fastify, { config, detectors }) => {
    // Before any thread starts: an unreachable Redis stops the start with an error naming REDIS_URL.
    const probe = config.REDIS_URL
      ? await openRedisProbe({ url: config.REDIS_URL, timeoutMs: config.REDIS_TIMEOUT_MS }, fastify.log)
      : undefined;
    fastify.decorate('stateProbe', probe?.check ?? (async () => undefined));
    if (probe) fastify.addHook('onClose', () => probe.close());
    const threads = config.STATION_WORKERS;
    const stations: Stations =
      threads > 0
        ? new StationThreads(
            { config, ...(detectors ? { detectors } : {}) },
            threads,
            fastify.log.child({ component: 'station-threads' }),
          )
        : openStations(config, await loadDetectorBackend(detectors), fastify.log);
    fastify.decorate('stations', stations);
    fastify.addHook('onReady', async () => {
      stations
        .load()
        .catch((err: unknown) => fastify.log.fatal({ err }, 'station state could not be loaded'));
    });
    fastify.addHook('onClose', () => stations.close());
  },
  { name: 'station-service' },
);
