import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DruidClient } from '@outliers/druid';
import type { ModelStore } from '@outliers/model-store';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import pino, { type Logger } from 'pino';
import { parseApiKeys } from './access/api-keys.js';
import { bodyLimitOf, type Config } from './config.js';
import { errorHandler } from './errors/error-handler.js';
import accessControlPlugin from './plugins/access-control.js';
import connectionDrainPlugin from './plugins/connection-drain.js';
import druidClientPlugin from './plugins/druid-client.js';
import jsonBodyPlugin from './plugins/json-body.js';
import metricsPlugin from './plugins/metrics.js';
import modelStorePlugin from './plugins/model-store.js';
import rateLimitsPlugin from './plugins/rate-limits.js';
import stationServicePlugin from './plugins/station-service.js';
import streamOutboxPlugin from './plugins/stream-outbox.js';
import swaggerPlugin from './plugins/swagger.js';
import druidQueryRoutes from './routes/druid-query.js';
import healthRoutes from './routes/health.js';
import stationStreamRoutes from './routes/station-stream.js';
import stationsRoutes from './routes/stations.js';
import { maxIdParamLength } from './schemas/common.js';
import { validatorCompiler } from './schemas/validator-compiler.js';

/** How often request and header timeouts are checked (ms). */
const TIMEOUT_CHECK_MS = 1000;

/** What buildApp needs besides config; everything has a production default. */
export interface AppDeps {
  logger?: Logger;
  /**
   * URL of a module whose `detectorBackend` export makes the station detectors (tests' stand-ins: station threads
   * load it too). Default: the detector registry of @outliers/core.
   */
  detectors?: string;
  /** Metric models; default: createModelStore (S3_BUCKET → S3, else MODEL_DIR). */
  modelStore?: ModelStore;
  /** Default: a DruidClient on DRUID_URL (none when unset). */
  druid?: DruidClient;
}

/**
 * Builds the executor (never listens). The register list below is the table of contents of the service.
 */
export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const logger = deps.logger ?? pino({ level: config.LOG_LEVEL });
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.BODY_LIMIT,
    routerOptions: { maxParamLength: maxIdParamLength(config) },
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    connectionTimeout: config.IDLE_TIMEOUT_MS,
    http: {
      headersTimeout: Math.min(config.HEADERS_TIMEOUT_MS, config.REQUEST_TIMEOUT_MS),
      // Node checks those timeouts every 30 s by default: a slow client would hold its socket up to 30 s longer.
      connectionsCheckingInterval: TIMEOUT_CHECK_MS,
    },
    return503OnClosing: true,
    // Two info lines per request cost more than a /detection block's bookkeeping; errors are logged regardless.
    logController: new LogController({ disableRequestLogging: !config.LOG_REQUESTS }),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.maxConnections = config.MAX_CONNECTIONS;
  app.setValidatorCompiler(validatorCompiler);
  app.setErrorHandler(errorHandler);

  const detectors = deps.detectors ? { detectors: deps.detectors } : {};

  // External
  await app.register(connectionDrainPlugin);
  await app.register(swaggerPlugin);
  await app.register(jsonBodyPlugin);
  // Who may call what: rate limits first, so that guessing keys is limited too
  const keys = parseApiKeys(config.API_KEYS);
  await app.register(rateLimitsPlugin, { config, keys });
  await app.register(accessControlPlugin, { keys });
  // Application decorators
  await app.register(stationServicePlugin, { config, ...detectors });
  await app.register(streamOutboxPlugin, { config });
  await app.register(modelStorePlugin, { config, ...(deps.modelStore ? { store: deps.modelStore } : {}) });
  await app.register(druidClientPlugin, { config, ...(deps.druid ? { client: deps.druid } : {}) });
  await app.register(metricsPlugin);
  // Routes
  await app.register(healthRoutes, { config });
  await app.register(stationStreamRoutes, {
    ...detectors,
    limits: config,
    bodyLimit: bodyLimitOf(config, 'BODY_LIMIT_STATION'),
  });
  await app.register(stationsRoutes, { limits: config });
  await app.register(druidQueryRoutes, { config });

  return app as unknown as FastifyInstance;
}
