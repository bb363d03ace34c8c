import { hostname } from 'node:os';
import Consul from 'consul';
import type { Config } from '../config.js';

/** Where the Consul agent is and how this executor presents itself to it. */
export interface ConsulRegistrationOptions {
  agent: { host: string; port: number; secure: boolean; token?: string };
  service: {
    name: string;
    id: string;
    /** Address and port other nodes use to reach this executor. */
    address: string;
    port: number;
    tags: string[];
    /** Consul polls this URL; a non-2xx answer marks the instance critical and takes it out of rotation. */
    checkUrl: string;
    checkInterval: string;
    /** A critical instance is removed from the catalogue after this long (so dead executors disappear). */
    deregisterCriticalAfter: string;
  };
  /** How often the agent is asked whether it still knows the service (an agent restarted without its state forgets it). */
  resyncMs: number;
}

/** What the registration reports as it keeps itself registered. */
export interface ConsulEvents {
  reregistered(): void;
  /** The agent could not be asked or told (it is down or restarting): tried again at the next resync. */
  failed(error: unknown): void;
}

export interface ConsulRegistration {
  deregister(): Promise<void>;
}

/**
 * Registers the executor with the local Consul agent, with an HTTP health check on its readiness endpoint (the
 * reference registered without a check, so Consul kept routing to dead executors), and registers it again whenever
 * the agent no longer knows it, until `deregister`.
 */
export async function registerInConsul(
  options: ConsulRegistrationOptions,
  events: ConsulEvents,
): Promise<ConsulRegistration> {
  const { agent, service } = options;
  const consul = new Consul({
    host: agent.host,
    port: agent.port,
    secure: agent.secure,
    ...(agent.token ? { defaults: { token: agent.token } } : {}),
  });
  const register = () =>
    consul.agent.service.register({
      name: service.name,
      id: service.id,
      address: service.address,
      port: service.port,
      tags: service.tags,
      check: {
        name: `${service.name} readiness`,
        http: service.checkUrl,
        interval: service.checkInterval,
        timeout: '2s',
        deregistercriticalserviceafter: service.deregisterCriticalAfter,
      },
    });
  await register();
  let resyncing = Promise.resolve();
  const resync = setInterval(() => {
    resyncing = (async () => {
      const known = (await consul.agent.service.list()) as Record<string, unknown>;
      if (service.id in known) return;
      await register();
      events.reregistered();
    })().catch(events.failed);
  }, options.resyncMs);
  resync.unref();
  return {
    deregister: async () => {
      clearInterval(resync);
      await resyncing;
      await consul.agent.service.deregister(service.id);
    },
  };
}

/**
 * Registration options from the executor's configuration, or null when Consul is not configured (the embedded
 * default). `port` is the port actually listened on.
 */
export function consulOptionsFromConfig(
  config: Pick<
    Config,
    | 'CONSUL_HOST'
    | 'CONSUL_PORT'
    | 'CONSUL_SECURE'
    | 'CONSUL_TOKEN'
    | 'CONSUL_SERVICE_NAME'
    | 'CONSUL_SERVICE_ADDRESS'
    | 'CONSUL_SERVICE_TAGS'
    | 'CONSUL_CHECK_INTERVAL'
    | 'CONSUL_DEREGISTER_AFTER'
    | 'CONSUL_RESYNC_MS'
  >,
  port: number,
): ConsulRegistrationOptions | null {
  if (!config.CONSUL_HOST) return null;
  const address = config.CONSUL_SERVICE_ADDRESS ?? hostname();
  return {
    agent: {
      host: config.CONSUL_HOST,
      port: config.CONSUL_PORT,
      secure: config.CONSUL_SECURE,
      ...(config.CONSUL_TOKEN ? { token: config.CONSUL_TOKEN } : {}),
    },
    service: {
      name: config.CONSUL_SERVICE_NAME,
      id: `${config.CONSUL_SERVICE_NAME}-${address}-${port}`,
      address,
      port,
      tags: config.CONSUL_SERVICE_TAGS.split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      checkUrl: `http://${address}:${port}/ready`,
      checkInterval: config.CONSUL_CHECK_INTERVAL,
      deregisterCriticalAfter: config.CONSUL_DEREGISTER_AFTER,
    },
    resyncMs: config.CONSUL_RESYNC_MS,
  };
}
