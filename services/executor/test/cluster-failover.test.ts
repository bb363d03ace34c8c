/**
 * Cluster mode end to end: two executor processes on one Redis, found through the Consul stand-in, a client that
 * spreads every station's blocks over the passing instances and re-sends an unanswered block to another one.
 * One executor is killed with SIGKILL mid-stream; later Redis itself is killed and restarted (with its fsynced
 * append-only file). The data server must end with exactly the outliers one uninterrupted executor delivers.
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RedisServer, randomPrefix, startRedis } from '@outliers/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsulAgentStandIn } from './consul-agent-stand-in.js';
import { startChild } from './support/child-executor.js';
import { Receiver, tempDir } from './support/helpers.js';
import {
  asDelivered,
  BLOCKS,
  blockBody,
  deliveredOutliers,
  initBody,
  STATIONS,
  uninterruptedHistories,
} from './support/replayed-streams.js';

const SERVICE = 'outliers-executor';

/** The station of an /outliers body (an array of entries of one station). */
function firstStation(body: unknown): string | undefined {
  return Array.isArray(body) ? (body[0] as { station_id?: string } | undefined)?.station_id : undefined;
}

/** A client as the stations' gateway would be: every request to a passing instance, retried on another. */
class ConsulClient {
  private turn = 0;
  constructor(private readonly agent: ConsulAgentStandIn) {}

  async post(path: string, body: unknown): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const instances = this.agent.passing(SERVICE);
      const instance = instances[this.turn++ % Math.max(1, instances.length)];
      if (instance) {
        const answer = await fetch(`http://${instance.Address}:${instance.Port}${path}`, {
          method: 'POST',
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
          signal: AbortSignal.timeout(5000),
        }).catch(() => undefined);
        if (answer?.status === 200) return;
        if (answer && answer.status < 500)
          throw new Error(`${path}: ${answer.status} ${await answer.text()}`);
      }
      await sleep(50);
    }
    throw new Error(`${path}: no instance answered`);
  }
}

describe('two executors on one Redis behind Consul', () => {
  let receiver: Receiver;
  let agent: ConsulAgentStandIn;
  let redis: RedisServer;
  let aof: Awaited<ReturnType<typeof tempDir>>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    receiver = new Receiver();
    await receiver.start();
    agent = new ConsulAgentStandIn();
    aof = await tempDir();
    redis = await startRedis({ appendOnlyDir: aof.path });
  });
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await agent.stop();
    await receiver.stop();
    await redis.stop();
    await aof.remove();
  });

  it('delivers what one uninterrupted executor delivers when one dies and Redis restarts mid-stream', {
    timeout: 180_000,
  }, async () => {
    const expected = asDelivered(await uninterruptedHistories());
    const address = await agent.start();
    const env = {
      REDIS_URL: redis.url,
      REDIS_PREFIX: `${randomPrefix()}:`,
      DATA_SERVER_ENDPOINT: receiver.url,
      OUTBOX_CLAIM_IDLE_MS: '1000',
      CONSUL_HOST: address.host,
      CONSUL_PORT: String(address.port),
      CONSUL_SERVICE_ADDRESS: '127.0.0.1',
      CONSUL_CHECK_INTERVAL: '100ms',
      STATION_WORKERS: '1',
    };
    const executors = [await startChild(env), await startChild(env)];
    children.push(...executors.map((e) => e.child));
    const until = async (condition: () => boolean) => {
      while (!condition()) await sleep(20);
    };
    await until(() => agent.passing(SERVICE).length === 2);

    const client = new ConsulClient(agent);
    for (let s = 0; s < STATIONS.length; s++) await client.post('/initialize', initBody(s));
    for (let k = 0; k < BLOCKS; k++) {
      if (k === 5) executors[0]!.child.kill('SIGKILL');
      if (k === 10) await redis.restart();
      // Stations in parallel, each station's blocks in order, as stations send them.
      await Promise.all(STATIONS.map((_, s) => client.post('/detection', blockBody(s, k))));
    }

    await receiver.waitFor(() => {
      const delivered = deliveredOutliers(receiver.requests);
      return STATIONS.every((station) => delivered.get(station)!.length >= expected.get(station)!.length);
    }, 30_000);
    expect(deliveredOutliers(receiver.requests)).toEqual(expected);
    // Each station's entries first arrived in the order they were made (a key is `${epoch}-${seq}`).
    for (const station of STATIONS) {
      const seqs = receiver.requests
        .filter(
          (r) =>
            (r.body as { station_id?: string }).station_id === station || firstStation(r.body) === station,
        )
        .map((r) => Number(String(r.headers['idempotency-key']).split('-').pop()));
      const firsts = seqs.filter((seq, i) => seqs.indexOf(seq) === i);
      expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
      expect(firsts.length).toBeGreaterThan(BLOCKS);
    }
  });
});
