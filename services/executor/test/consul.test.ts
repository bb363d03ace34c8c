import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consulOptionsFromConfig } from '../src/consul/consul-registration.js';
import { ConsulAgentStandIn } from './consul-agent-stand-in.js';
import { exited, startChild } from './support/child-executor.js';
import { tempDir, testConfig } from './support/helpers.js';

async function until(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Consul registration', () => {
  const agent = new ConsulAgentStandIn();
  let agentAddress: { host: string; port: number };
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    agentAddress = await agent.start();
    dir = await tempDir();
  });
  afterAll(async () => {
    await agent.stop();
    await dir.remove();
  });

  it('is off without CONSUL_HOST (the embedded default)', () => {
    expect(consulOptionsFromConfig(testConfig({}), 8080)).toBeNull();
  });

  it('maps the configuration to a service with a readiness check', () => {
    const options = consulOptionsFromConfig(
      testConfig({
        CONSUL_HOST: 'consul.local',
        CONSUL_TOKEN: 'secret',
        CONSUL_SERVICE_ADDRESS: '10.1.2.3',
        CONSUL_SERVICE_TAGS: 'a, b,,c',
      }),
      9000,
    );
    expect(options).toEqual({
      agent: { host: 'consul.local', port: 8500, secure: false, token: 'secret' },
      service: {
        name: 'outliers-executor',
        id: 'outliers-executor-10.1.2.3-9000',
        address: '10.1.2.3',
        port: 9000,
        tags: ['a', 'b', 'c'],
        checkUrl: 'http://10.1.2.3:9000/ready',
        checkInterval: '10s',
        deregisterCriticalAfter: '1m',
      },
      resyncMs: 10000,
    });
  });

  it('registers a running executor as passing, deregisters it on SIGTERM, and marks a killed one critical', async () => {
    const env = {
      STATE_DIR: dir.path,
      CONSUL_HOST: agentAddress.host,
      CONSUL_PORT: String(agentAddress.port),
      CONSUL_SERVICE_ADDRESS: '127.0.0.1',
      CONSUL_CHECK_INTERVAL: '100ms',
    };
    const first = await startChild(env);
    const second = await startChild({ ...env, STATE_DIR: `${dir.path}/second` });
    await until(() => agent.passing('outliers-executor').length === 2);

    const registration = agent.requests.find((r) => r.url === '/v1/agent/service/register');
    expect(registration?.body).toMatchObject({
      Name: 'outliers-executor',
      Address: '127.0.0.1',
      Check: { HTTP: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/ready$/), Interval: '100ms' },
    });

    // Graceful stop: the instance leaves the catalogue before it stops serving.
    first.child.kill('SIGTERM');
    expect(await exited(first.child)).toBe(0);
    await until(() => agent.services.size === 1);

    // A crashed executor cannot deregister: its check turns critical and it leaves the healthy set.
    second.child.kill('SIGKILL');
    await exited(second.child);
    await until(() => agent.passing('outliers-executor').length === 0);
    expect(agent.services.size).toBe(1);
  }, 60_000);

  it('registers again when the agent forgets it (an agent restarted without its state)', async () => {
    agent.services.clear();
    const child = await startChild({
      STATE_DIR: `${dir.path}/resync`,
      CONSUL_HOST: agentAddress.host,
      CONSUL_PORT: String(agentAddress.port),
      CONSUL_SERVICE_ADDRESS: '127.0.0.1',
      CONSUL_CHECK_INTERVAL: '100ms',
      CONSUL_RESYNC_MS: '200',
    });
    try {
      await until(() => agent.passing('outliers-executor').length === 1);
      agent.forgetAll();
      expect(agent.services.size).toBe(0);
      await until(() => agent.passing('outliers-executor').length === 1);
    } finally {
      child.child.kill('SIGTERM');
      expect(await exited(child.child)).toBe(0);
    }
    expect(agent.services.size).toBe(0);
  }, 60_000);

  it('a signal while starting: never ready, never registered; while registering: deregistered before exit', async () => {
    agent.services.clear();
    const env = {
      CONSUL_HOST: agentAddress.host,
      CONSUL_PORT: String(agentAddress.port),
      CONSUL_SERVICE_ADDRESS: '127.0.0.1',
    };
    const logOf = (child: ChildProcess) => {
      let log = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
      });
      return () => log;
    };
    const registrations = () => agent.requests.filter((r) => r.url === '/v1/agent/service/register').length;

    // Once the state is loaded, while the model backend still loads (before "ready").
    const before = registrations();
    const early = await startChild({ ...env, STATE_DIR: `${dir.path}/early`, STATION_WORKERS: '1' });
    const earlyLog = logOf(early.child);
    await until(() => earlyLog().includes('station index loaded'));
    early.child.kill('SIGTERM');
    expect(await exited(early.child)).toBe(0);
    expect(earlyLog()).toContain('"msg":"stopped"');
    expect(earlyLog()).not.toContain('"msg":"ready"');
    expect(registrations()).toBe(before);

    // While the agent holds the registration.
    agent.registerDelayMs = 1_000;
    try {
      const late = await startChild({ ...env, STATE_DIR: `${dir.path}/late` });
      await until(() => registrations() === before + 1);
      late.child.kill('SIGTERM');
      expect(await exited(late.child)).toBe(0);
      expect(agent.services.size).toBe(0);
    } finally {
      agent.registerDelayMs = 0;
    }
  }, 60_000);
});
