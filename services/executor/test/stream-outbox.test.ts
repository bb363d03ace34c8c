import { setTimeout as sleep } from 'node:timers/promises';
import { type RedisServer, randomPrefix, startRedis } from '@outliers/test-servers';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outboxStreamKey, toStreamFields } from '../src/outbox/outbox-stream-entry.js';
import { deliveryMarksKey, OUTBOX_GROUP } from '../src/outbox/outbox-stream-group.js';
import {
  type StreamOutboxDispatcher,
  type StreamOutboxOptions,
  startStreamOutboxDispatcher,
} from '../src/outbox/stream-outbox-dispatcher.js';
import { type Received, Receiver, tempDir } from './support/helpers.js';

const CLAIM_IDLE_MS = 500;

let redis: RedisServer;
let admin: Redis;
let prefix: string;
let receiver: Receiver | undefined;
const dispatchers: StreamOutboxDispatcher[] = [];
const clients: Redis[] = [];

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  admin.disconnect();
  await redis.stop();
});
beforeEach(() => {
  prefix = `${randomPrefix()}:`;
});
afterEach(async () => {
  await receiver?.stop(); // first: ends requests left unanswered, so closing dispatchers never waits for them
  receiver = undefined;
  await Promise.all(dispatchers.splice(0).map((d) => d.close()));
  for (const client of clients.splice(0)) client.disconnect();
});

async function startReceiver(answer?: (request: Received) => number | Promise<number>): Promise<Receiver> {
  receiver = new Receiver(answer);
  await receiver.start();
  return receiver;
}

function options(name: string): StreamOutboxOptions {
  return {
    redis: redis.url,
    keyPrefix: prefix,
    endpoint: `${receiver!.url}/${name}`,
    logger: pino({ level: 'silent' }),
    timeoutMs: 30_000,
    retryBaseMs: 20,
    retryMaxMs: 100,
    concurrency: 4,
    claimIdleMs: CLAIM_IDLE_MS,
    consumer: name,
  };
}

/** A dispatcher on a client of its own, posting under `${receiver.url}/${name}` (so requests tell who sent them). */
async function dispatcher(name: string): Promise<StreamOutboxDispatcher> {
  // A client that never reconnects, so killing its connections kills this "executor" for good.
  const client = new Redis(redis.url, {
    connectionName: `executor-${name}-${prefix}`,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // killed on purpose
  clients.push(client);
  const started = await startStreamOutboxDispatcher({ ...options(name), redis: client });
  dispatchers.push(started);
  return started;
}

/** Appends entry `seq` of a station's life `epoch` as a commit of the Redis store does. */
async function append(station: string, epoch: string, seq: number, to = admin): Promise<void> {
  const body = { id_estacio: station, station_id: station, seq };
  const entry = { seq, key: `${epoch}-${seq}`, path: '/outliers/validate' as const, body };
  await to.xadd(outboxStreamKey(prefix), '*', ...toStreamFields(station, entry));
}

/** Runs `body` with a restartable Redis of its own and dispatcher "a" on a client made from its URL (reconnecting). */
async function withOwnRedis(
  appendOnlyDir: string | undefined,
  body: (own: RedisServer, appendTo: (epoch: string, seq: number) => Promise<void>) => Promise<void>,
): Promise<void> {
  const own = await startRedis(appendOnlyDir === undefined ? {} : { appendOnlyDir });
  const ownAdmin = new Redis(own.url);
  try {
    dispatchers.push(await startStreamOutboxDispatcher({ ...options('a'), redis: own.url }));
    await body(own, (epoch, seq) => append('s0', epoch, seq, ownAdmin));
  } finally {
    ownAdmin.disconnect();
    await Promise.all(dispatchers.splice(0).map((d) => d.close()));
    await own.stop();
  }
}

/** Appends `count` entries per station, one XADD at a time, round-robin over stations (as blocks arrive). */
async function appendRounds(stations: readonly string[], count: number, from = 0): Promise<void> {
  for (let seq = from; seq < from + count; seq++) {
    for (const station of stations) await append(station, `epoch-${station}`, seq);
  }
}

const keyOf = (r: Received) => String(r.headers['idempotency-key']);
const stationOf = (r: Received) => (r.body as { station_id: string }).station_id;
const sender = (r: Received) => r.path.split('/')[1];
const sentBy = (r: Received, by: readonly string[]) => by.includes(sender(r) ?? '');

/** The keys of a station's requests sent by `by`, in arrival order, each at its first arrival. */
function firstArrivals(requests: readonly Received[], station: string, by: readonly string[]): string[] {
  const keys = requests.filter((r) => stationOf(r) === station && sentBy(r, by)).map(keyOf);
  return [...new Set(keys)];
}

function expectSameBodyPerKey(requests: readonly Received[]): void {
  const byKey = new Map<string, string>();
  for (const r of requests) {
    const body = JSON.stringify(r.body);
    expect(byKey.get(keyOf(r)) ?? body).toBe(body);
    byKey.set(keyOf(r), body);
  }
}

async function consumers(): Promise<string[]> {
  const infos = (await admin.xinfo('CONSUMERS', outboxStreamKey(prefix), OUTBOX_GROUP)) as string[][];
  return infos.map((info) => info[info.indexOf('name') + 1] as string).sort();
}

async function expectStreamEmptied(): Promise<void> {
  await expect.poll(() => admin.xlen(outboxStreamKey(prefix)), { timeout: 10_000 }).toBe(0);
  const [pending] = (await admin.xpending(outboxStreamKey(prefix), OUTBOX_GROUP)) as [number];
  expect(pending).toBe(0);
}

const seqKeys = (station: string, from: number, to: number, epoch = `epoch-${station}`) =>
  Array.from({ length: to - from }, (_, i) => `${epoch}-${from + i}`);

describe('the outbox on a Redis stream', () => {
  it('two executors deliver every entry, each station in order, a station handed from one to the other', async () => {
    // Executor a's answers take 20 ms, b's none: without the marks b would overtake a within a station.
    const server = await startReceiver((r) => sleep(sender(r) === 'a' ? 20 : 0).then(() => 200));
    await dispatcher('a');
    await dispatcher('b');
    const stations = ['s0', 's1', 's2', 's3', 's4'];
    await appendRounds(stations, 10);
    await sleep(20);
    await appendRounds(stations, 10, 10);
    await server.waitFor((rs) => new Set(rs.map(keyOf)).size === 100, 15_000);

    for (const station of stations) {
      expect(firstArrivals(server.requests, station, ['a', 'b'])).toEqual(seqKeys(station, 0, 20));
    }
    expectSameBodyPerKey(server.requests);
    // Both executors delivered entries of one same station: its order was kept across them.
    const handedOver = stations.filter((s) =>
      ['a', 'b'].every((by) => server.requests.some((r) => stationOf(r) === s && sender(r) === by)),
    );
    expect(handedOver.length).toBeGreaterThan(0);
    await expectStreamEmptied();
  });

  it("claims a dead executor's entries after the idle time and delivers them in order", async () => {
    // Executor "dead" never gets an answer: its deliveries hang until it dies.
    const server = await startReceiver((r) => (sender(r) === 'dead' ? new Promise<number>(() => {}) : 200));
    const dead = await dispatcher('dead');
    await dispatcher('b');
    const stations = ['s0', 's1', 's2'];
    await appendRounds(stations, 8);
    await expect.poll(() => dead.pending).toBeGreaterThan(0);
    await server.waitFor((rs) => rs.some((r) => sender(r) === 'dead'));

    // Kill it: its connections vanish and never come back, nothing of it is acknowledged.
    const clientList = await admin.client('LIST');
    const ids = String(clientList)
      .split('\n')
      .filter((line) => line.includes(`name=executor-dead-${prefix}`))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1]);
    expect(ids.length).toBe(2); // its commands and its blocking reads
    for (const id of ids) await admin.client('KILL', 'ID', id as string);
    const killedAt = Date.now();
    await appendRounds(stations, 4, 8);

    await server.waitFor((rs) => new Set(rs.filter((r) => sentBy(r, ['b'])).map(keyOf)).size === 36, 15_000);
    // Its entries were renewed up to a third of the idle time before the kill: none was claimed sooner.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(CLAIM_IDLE_MS / 2);
    for (const station of stations) {
      expect(firstArrivals(server.requests, station, ['b'])).toEqual(seqKeys(station, 0, 12));
    }
    expectSameBodyPerKey(server.requests);
    await expectStreamEmptied();
    // The dead consumer, left with nothing, is deleted from the group.
    await expect.poll(() => consumers()).toEqual(['b']);
  });

  it('never claims from a live executor whose deliveries are slow', async () => {
    // a's answers take three idle times: its entries are renewed meanwhile, so b never sends them too.
    const server = await startReceiver((r) =>
      sleep(sender(r) === 'a' ? 3 * CLAIM_IDLE_MS : 0).then(() => 200),
    );
    const a = await dispatcher('a');
    await dispatcher('b');
    await appendRounds(['s0', 's1', 's2', 's3'], 2);
    await expectStreamEmptied();
    expect(server.requests.some((r) => sender(r) === 'a')).toBe(true);
    expect(server.requests.map(keyOf).sort()).toEqual(
      ['s0', 's1', 's2', 's3'].flatMap((s) => seqKeys(s, 0, 2)).sort(),
    );
    expect(a.pending).toBe(0);
  });

  it('retries through a data-server outage, keeping order', async () => {
    const outageUntil = Date.now() + 600;
    let refused = 0;
    const server = await startReceiver(() => {
      if (Date.now() >= outageUntil) return 200;
      refused++;
      return 503;
    });
    await dispatcher('a');
    await dispatcher('b');
    await appendRounds(['s0', 's1'], 6);
    await expectStreamEmptied(); // acknowledged only once answered 2xx
    expect(refused).toBeGreaterThan(2);
    expect(new Set(server.requests.map(keyOf)).size).toBe(12);
    for (const station of ['s0', 's1']) {
      expect(firstArrivals(server.requests, station, ['a', 'b'])).toEqual(seqKeys(station, 0, 6));
    }
  });

  it('drops an entry answered 4xx without blocking the entries after it', async () => {
    const rejected = 'epoch-s0-2';
    const server = await startReceiver((r) => (keyOf(r) === rejected ? 400 : 200));
    await dispatcher('a');
    await dispatcher('b');
    await appendRounds(['s0', 's1'], 6);
    await server.waitFor((rs) => new Set(rs.map(keyOf)).size === 12);
    await expectStreamEmptied();
    expect(server.requests.filter((r) => keyOf(r) === rejected)).toHaveLength(1);
    expect(firstArrivals(server.requests, 's0', ['a', 'b'])).toEqual(seqKeys('s0', 0, 6));
  });

  it('drops a malformed stream entry and delivers the others', async () => {
    const server = await startReceiver();
    await dispatcher('a');
    await append('s0', 'epoch-s0', 0);
    await admin.xadd(outboxStreamKey(prefix), '*', 'station', 's0', 'seq', 'one');
    await append('s0', 'epoch-s0', 1);
    await server.waitFor((rs) => rs.length === 2);
    await expectStreamEmptied();
    expect(firstArrivals(server.requests, 's0', ['a'])).toEqual(seqKeys('s0', 0, 2));
  });

  it('keeps delivering a re-created station (a new epoch, seq from 0 again)', async () => {
    const server = await startReceiver();
    await dispatcher('a');
    await dispatcher('b');
    for (let seq = 0; seq < 5; seq++) await append('s0', 'first-life', seq);
    await server.waitFor((rs) => rs.length >= 5);
    for (let seq = 0; seq < 5; seq++) await append('s0', 'second-life', seq);
    await server.waitFor((rs) => new Set(rs.map(keyOf)).size === 10);
    expect(firstArrivals(server.requests, 's0', ['a', 'b'])).toEqual([
      ...seqKeys('s0', 0, 5, 'first-life'),
      ...seqKeys('s0', 0, 5, 'second-life'),
    ]);
    expect(await admin.hgetall(deliveryMarksKey(prefix))).toEqual({
      '["s0","first-life"]': '5',
      '["s0","second-life"]': '5',
    });
    await expectStreamEmptied();
  });

  it('carries on after Redis restarts empty (the group made again)', async () => {
    const server = await startReceiver();
    await withOwnRedis(undefined, async (own, appendTo) => {
      for (let seq = 0; seq < 3; seq++) await appendTo('before', seq);
      await server.waitFor((rs) => rs.length === 3);
      await own.restart();
      // The store lost the station with everything else: it is initialised again, a new chain.
      for (let seq = 0; seq < 3; seq++) await appendTo('after', seq);
      await server.waitFor((rs) => rs.length === 6, 15_000);
      expect(server.requests.map(keyOf)).toEqual([
        ...seqKeys('s0', 0, 3, 'before'),
        ...seqKeys('s0', 0, 3, 'after'),
      ]);
    });
  });

  it('keeps a station in order through a Redis crash with an append-only file', async () => {
    const dir = await tempDir();
    const server = await startReceiver(() => sleep(30).then(() => 200));
    try {
      await withOwnRedis(dir.path, async (own, appendTo) => {
        for (let seq = 0; seq < 6; seq++) await appendTo('life', seq);
        await server.waitFor((rs) => rs.length >= 2);
        await own.restart(); // SIGKILL mid-stream: marks, pending entries and the group survive
        for (let seq = 6; seq < 9; seq++) await appendTo('life', seq);
        await server.waitFor((rs) => new Set(rs.map(keyOf)).size === 9, 15_000);
        expect(firstArrivals(server.requests, 's0', ['a'])).toEqual(seqKeys('s0', 0, 9, 'life'));
        expectSameBodyPerKey(server.requests);
      });
    } finally {
      await dir.remove();
    }
  });

  it('closes mid-outage leaving its entries pending, and another executor delivers them', async () => {
    let up = false;
    const server = await startReceiver(() => (up ? 200 : 503));
    const first = await dispatcher('a');
    await appendRounds(['s0'], 3);
    await server.waitFor((rs) => rs.length >= 2); // retrying
    await first.close();
    const [pending] = (await admin.xpending(outboxStreamKey(prefix), OUTBOX_GROUP)) as [number];
    expect(pending).toBe(3);
    up = true;
    await dispatcher('b');
    await server.waitFor((rs) => rs.some((r) => sender(r) === 'b' && keyOf(r) === 'epoch-s0-2'), 10_000);
    expect(firstArrivals(server.requests, 's0', ['b'])).toEqual(seqKeys('s0', 0, 3));
    await expectStreamEmptied();
  });
});
