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
}

export interface ConsulRegistration {
  deregister(): Promise<void>;
}

/**
 * Registers the executor with the local Consul agent, with an HTTP health check on its readiness endpoint. The
 * reference registered without a check, so Consul kept routing to dead executors.
 */
export async function registerInConsul(options: ConsulRegistrationOptions): Promise<ConsulRegistration> {
  const { agent, service } = options;
  const consul = new Consul({
    host: agent.host,
    port: agent.port,
    secure: agent.secure,
    ...(agent.token ? { defaults: { token: agent.token } } : {}),
  });
  await consul.agent.service.register({
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
  return {
    deregister: async () => {
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
  };
}
