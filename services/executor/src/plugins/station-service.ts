import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import type { DetectorBackend } from '../detection/initialize-station.js';
import { StationService } from '../station/station-service.js';
import type { StationStore } from '../station/station-store.js';

declare module 'fastify' {
  interface FastifyInstance {
    stations: StationService;
  }
}

export interface StationServicePluginOptions {
  config: Config;
  store: StationStore;
  backend: DetectorBackend;
}

/**
 * Decorates `stations`. Reading the station index starts when the app is ready (GET /ready tells when it is done;
 * requests wait for it); on close, queued requests finish and delivered outbox entries are written.
 */
export default fp<StationServicePluginOptions>(
  async (fastify, { config, store, backend }) => {
    const service = new StationService({
      store,
      backend,
      logger: fastify.log.child({ component: 'stations' }),
      outboxEnabled: config.DATA_SERVER_ENDPOINT !== undefined,
      ackFlushMs: config.OUTBOX_ACK_FLUSH_MS,
      maxResident: config.MAX_RESIDENT_STATIONS,
    });
    fastify.decorate('stations', service);
    fastify.addHook('onReady', async () => {
      service.load().catch((err: unknown) => fastify.log.fatal({ err }, 'station state could not be loaded'));
    });
    fastify.addHook('onClose', async () => {
      await service.close();
      await store.close();
    });
  },
  { name: 'station-service' },
);
