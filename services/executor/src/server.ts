import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import {
  type ConsulRegistration,
  consulOptionsFromConfig,
  registerInConsul,
} from './consul/consul-registration.js';
import { StartupError } from './errors.js';
import { createLogger } from './logger.js';
import { redactedUrl } from './station/redis-connection.js';

/**
 * The process: config → logger → buildApp → listen → load state → register in Consul (when configured);
 * SIGTERM/SIGINT deregister first (no new traffic is routed here), stop accepting connections, let in-flight
 * requests finish, stop deliveries and write the last state, then exit.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const app = await buildApp(config, { logger });

  let consul: ConsulRegistration | undefined;
  let closing = false;
  const leaveConsul = (registration: ConsulRegistration) =>
    registration.deregister().catch((err: unknown) => logger.warn({ err }, 'Consul deregistration failed'));
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
    const deregistered = consul ? leaveConsul(consul) : Promise.resolve();
    deregistered
      .then(() => app.close())
      .then(
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
  // Chosen once at start (native TensorFlow, else wasm, else cpu) so operators see which one serves models.
  const { initBackend } = await import('@outliers/core/autoencoder');
  const backend = await initBackend();
  // A signal during start-up: the shutdown is under way, so this executor is neither ready nor to be registered.
  if (closing) return;
  const store = config.REDIS_URL ? { redis: redactedUrl(config.REDIS_URL) } : { stateDir: config.STATE_DIR };
  logger.info({ backend, ...store }, 'ready');

  const address = app.server.address();
  const consulOptions = consulOptionsFromConfig(
    config,
    typeof address === 'object' && address ? address.port : config.PORT,
  );
  if (!consulOptions) return;
  const registration = await registerInConsul(consulOptions, {
    reregistered: () =>
      logger.warn(
        { serviceId: consulOptions.service.id },
        'Consul had forgotten this executor: registered again',
      ),
    failed: (err) => logger.warn({ err }, 'Consul agent unreachable: registration checked again later'),
  });
  if (closing) {
    // The signal came while registering: the shutdown found nothing to deregister, so leave the catalogue here.
    await leaveConsul(registration);
    return;
  }
  consul = registration;
  logger.info(
    { serviceId: consulOptions.service.id, agent: consulOptions.agent.host },
    'registered in Consul',
  );
}

main().catch((err: unknown) => {
  // The logger may not exist yet (invalid configuration): stderr is the only channel left. A StartupError is the
  // operator's to fix: its message says what, a stack would only hide it.
  const text = err instanceof StartupError ? err.message : err instanceof Error ? err.stack : String(err);
  process.stderr.write(`executor failed to start: ${text}\n`);
  process.exit(1);
});
