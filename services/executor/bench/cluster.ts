/**
 * Cluster mode on this machine: two built executors (one station thread each) on one redis-server, and a data
 * server, all sharing the two cores.
 *
 * 1. Throughput: autocannon sends /detection blocks round robin over BENCH_STATIONS stations, half of the
 *    connections to each executor, from one sequence of blocks, so every station's blocks alternate between the two
 *    executors as a load balancer without affinity routes them (each station's blocks stay in order: a station's
 *    next block is thousands of requests later; each block finds the station committed by the other executor, so
 *    it is applied, refused by the version check, reloaded and applied again); then with affinity, each executor
 *    serving the blocks of half of the stations.
 * 2. Failover: under a paced load (BENCH_FAILOVER_RATE blocks/s, each to either executor at random), one executor
 *    is killed with SIGKILL and the client sends every later block to the survivor. Reported: how long until the
 *    survivor answers a block of a station the dead one served last (nothing is taken over but the stream's
 *    entries), and how long until every entry committed was delivered (the stream is empty), which waits for the
 *    dead executor's unacknowledged entries to idle for OUTBOX_CLAIM_IDLE_MS.
 *
 *   pnpm build && pnpm --filter @outliers/executor exec tsx bench/cluster.ts
 *   env: BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_STATIONS, BENCH_CONNECTIONS, BENCH_FAILOVER_RATE,
 *   OUTBOX_CLAIM_IDLE_MS (passed to the executors; default here 5000)
 */
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomPrefix, startRedis } from '@outliers/test-servers';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { outboxStreamKey } from '../src/outbox/outbox-stream-entry.js';
import { cpuSeconds, startExecutor } from './executor-process.js';
import { BLOCK } from './station-bodies.js';
import { feed, initialize, RoundRobinBlocks, startReceiver, stop } from './station-load.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const STATIONS = Number(process.env.BENCH_STATIONS ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const FAILOVER_RATE = Number(process.env.BENCH_FAILOVER_RATE ?? 200);
const CLAIM_IDLE_MS = process.env.OUTBOX_CLAIM_IDLE_MS ?? '5000';

/**
 * Both executors loaded at once for `seconds`: from one round-robin sequence of blocks (every station's blocks
 * alternate between them), or with `affinity`, each executor the blocks of its own half of the stations.
 */
async function load(urls: string[], blocks: RoundRobinBlocks, seconds: number, affinity = false) {
  const results = await Promise.all(
    urls.map((url, half) => {
      let turn = 0;
      const body = affinity
        ? () => blocks.bodyOf(half + urls.length * (turn++ % Math.floor(STATIONS / urls.length)))
        : () => blocks.body();
      return autocannon({
        url: `${url}/detection`,
        method: 'POST',
        connections: CONNECTIONS / urls.length,
        duration: seconds,
        headers: { 'content-type': 'application/json' },
        requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
      });
    }),
  );
  const ok = results.reduce((sum, r) => sum + r['2xx'], 0);
  return {
    blocks: ok,
    non2xx: results.reduce((sum, r) => sum + r.non2xx + r.errors, 0),
    samplesPerSecond: Math.round((ok * BLOCK) / seconds),
    p99Ms: Math.max(...results.map((r) => r.latency.p99)),
  };
}

/** Sends `blocks` at `rate` per second to `target()` until `stopped`; tells each answer (200 or not). */
async function paced(
  blocks: RoundRobinBlocks,
  rate: number,
  target: () => number,
  urls: string[],
  stopped: AbortSignal,
  answered: (station: number, executor: number, ok: boolean) => void,
): Promise<void> {
  let turn = 0;
  while (!stopped.aborted) {
    const station = turn++ % STATIONS;
    const executor = target();
    void fetch(`${urls[executor]}/detection`, {
      method: 'POST',
      body: blocks.body(),
      headers: { 'content-type': 'application/json' },
    })
      .then(async (res) => {
        answered(station, executor, res.status === 200);
        await res.body?.cancel();
      })
      .catch(() => answered(station, executor, false));
    await sleep(1000 / rate);
  }
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const receiver = await startReceiver();
  const env = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: `${randomPrefix()}:`,
    DATA_SERVER_ENDPOINT: receiver.url,
    OUTBOX_CLAIM_IDLE_MS: CLAIM_IDLE_MS,
    STATION_WORKERS: '1',
  };
  const executors: { child: ChildProcess; url: string }[] = [
    await startExecutor(env),
    await startExecutor(env),
  ];
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  try {
    const urls = executors.map((e) => e.url);
    await initialize(urls[0]!, STATIONS);
    await feed(urls[1]!, 0, STATIONS);
    const blocks = new RoundRobinBlocks(STATIONS, 1);
    if (WARMUP_SECONDS > 0) await load(urls, blocks, WARMUP_SECONDS);
    const pids = [...executors.map((e) => e.child.pid!), redis.pid];
    for (const affinity of [false, true]) {
      const cpuBefore = pids.map((pid) => cpuSeconds(pid));
      const run = await load(urls, blocks, SECONDS, affinity);
      const cpu = pids.map((pid, i) => cpuSeconds(pid) - cpuBefore[i]!);
      const routing = affinity
        ? 'each executor the blocks of its half of the stations'
        : 'every station alternating between them';
      console.log(
        JSON.stringify(
          {
            scenario: `two executors (one station thread each) on one Redis: /detection, ${BLOCK} samples × 3 variables, ${STATIONS} stations, ${routing}, ${CONNECTIONS} connections, ${SECONDS} s`,
            ...run,
            executorCpuMsPerBlock: round2(((cpu[0]! + cpu[1]!) * 1000) / run.blocks),
            redisCpuMsPerBlock: round2((cpu[2]! * 1000) / run.blocks),
          },
          null,
          2,
        ),
      );
    }

    // Failover: the client picks an executor at random per block until one dies, then the survivor.
    const stream = outboxStreamKey(env.REDIS_PREFIX);
    const stopped = new AbortController();
    let killedAt = Number.POSITIVE_INFINITY;
    const lastServedBy = new Map<number, number>();
    let takenOverMs: number | undefined;
    let unanswered = 0;
    const loadDone = paced(
      blocks,
      FAILOVER_RATE,
      () => (Number.isFinite(killedAt) ? 1 : Math.random() < 0.5 ? 0 : 1),
      urls,
      stopped.signal,
      (station, executor, ok) => {
        if (!ok) unanswered++;
        else if (executor === 1 && lastServedBy.get(station) === 0 && takenOverMs === undefined)
          takenOverMs = performance.now() - killedAt;
        if (ok && !Number.isFinite(killedAt)) lastServedBy.set(station, executor);
      },
    );
    // Every station's last block answered before the kill (a round of the stations, and some).
    await sleep((STATIONS / FAILOVER_RATE) * 1000 + 2000);
    executors[0]!.child.kill('SIGKILL');
    killedAt = performance.now();
    while (takenOverMs === undefined) await sleep(10);
    await sleep(2000);
    stopped.abort();
    await loadDone;
    // Everything committed (the dead executor's share included) delivered: the stream is empty.
    while ((await client.xlen(stream)) > 0) await sleep(50);
    const drainedMs = performance.now() - killedAt;
    console.log(
      JSON.stringify(
        {
          scenario: `failover: SIGKILL of one executor under ${FAILOVER_RATE} blocks/s; OUTBOX_CLAIM_IDLE_MS ${CLAIM_IDLE_MS}`,
          // A block of a station the dead executor served last, answered by the survivor.
          firstStationTakenOverMs: Math.round(takenOverMs),
          // Blocks in flight at the kill, answered by nobody: the client sends them again.
          unanswered,
          everyCommittedEntryDeliveredMs: Math.round(drainedMs),
          deliveriesReceived: await receiver.count(),
        },
        null,
        2,
      ),
    );
  } finally {
    client.disconnect();
    for (const e of executors)
      if (e.child.exitCode === null && e.child.signalCode === null) await stop(e.child);
    await receiver.close();
    await redis.stop();
  }
}

function round2(x: number): number {
  return Number(x.toFixed(2));
}

await main();
