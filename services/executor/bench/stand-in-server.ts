/**
 * The executor with the transparent threshold detector of the tests instead of @outliers/core, so the benchmark
 * can separate the service's own cost (HTTP, validation, bookkeeping, state writes, outbox) from the detectors'.
 * Same config and shutdown as src/server.ts, minus signals' log lines.
 */
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { thresholdDetectors } from '../test/support/threshold-detector.js';

const config = loadConfig();
const app = await buildApp(config, { logger: createLogger(config), detectors: thresholdDetectors });
const close = () => void app.close();
process.once('SIGTERM', close);
process.once('SIGINT', close);
await app.listen({ port: config.PORT, host: config.HOST });
await app.stations.load();
