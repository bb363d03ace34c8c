import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';

/**
 * The process: config → logger → buildApp → listen → load state; SIGTERM/SIGINT stop accepting connections,
 * let in-flight requests finish, stop deliveries and write the last state, then exit.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const app = await buildApp(config, { logger });

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      logger.flush();
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    app.close().then(
      () => {
        logger.info('stopped');
        logger.flush();
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        logger.flush();
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);

  await app.listen({ port: config.PORT, host: config.HOST });
  await app.stations.load();
  logger.info({ detector: 'core registry', stateDir: config.STATE_DIR }, 'ready');
}

main().catch((err: unknown) => {
  // The logger may not exist yet (invalid configuration): stderr is the only channel left.
  process.stderr.write(`executor failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
