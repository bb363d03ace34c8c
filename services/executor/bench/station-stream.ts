/**
 * End-to-end benchmark of the station stream API on loopback: the executor runs as a child process (its own
 * core), autocannon sends /detection blocks (96 samples × 3 variables, 15-minute timestamps) round robin over many
 * stations, and a node:http data server receives the outbox deliveries. Then the memory of 10,000 stations × 3
 * variables (30,000 detectors, all past warm-up) and the time to reload them after a restart.
 *
 *   pnpm build && pnpm --filter @outliers/executor bench      (the executor runs from its build, as `pnpm start`)
 *   env: BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_STATIONS, BENCH_CONNECTIONS, BENCH_BACKENDS (stand-in,core; empty: memory only),
 *   BENCH_STORES (disk,redis: each backend runs on each station store; redis starts a redis-server, whose CPU per
 *   block is reported beside the executor's),
 *   BENCH_MEMORY (0: skip), BENCH_MEMORY_STATIONS, BENCH_NODE_ARGS; executor keys (e.g. MAX_RESIDENT_STATIONS)
 *   pass through to the executor.
 *   BENCH_BASELINE=<another checkout>/services/executor (built) [BENCH_ROUNDS, BENCH_BASELINE_NODE_ARGS]: instead,
 *   this build against that one, side by side, loaded in turn (see `compare`); BENCH_BASELINE=. with
 *   BENCH_BASELINE_NODE_ARGS compares node flags on this build.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServer, randomPrefix, startRedis } from '@outliers/test-servers';
import autocannon from 'autocannon';
import { builtEntry, cpuSeconds, rssMiB, startExecutor } from './executor-process.js';
import { BLOCK, VARIABLES } from './station-bodies.js';
import { feed, initialize, RoundRobinBlocks, startReceiver, stop } from './station-load.js';

type Backend = 'core' | 'stand-in';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
/** Alternating runs per executor when comparing with BENCH_BASELINE. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
/**
 * Load before the measured run: JIT warm, and every station past its first outlier (which creates its history
 * file). A station's first spike comes within its first 6 blocks (one every 500 samples): with 2,000 stations at
 * ~1,000 blocks/s that takes ~12 s; a shorter warm-up leaves history files to be created in the measured run, which
 * then measures file creation in its p99.
 */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 20);
const STATIONS = Number(process.env.BENCH_STATIONS ?? 2000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const MEMORY_STATIONS = Number(process.env.BENCH_MEMORY_STATIONS ?? 10_000);
/** Request bodies made ahead per second of the run: above any rate measured here. */
const PREPARED_PER_SECOND = 1500;

/** Where the executor keeps station state: STATE_DIR, or REDIS_URL (a redis-server of the benchmark's own). */
type Store = 'disk' | 'redis';

/** An executor under load, with its own data server, state and stream positions. */
interface Target {
  name: string;
  child: ChildProcess;
  url: string;
  receiver: Awaited<ReturnType<typeof startReceiver>>;
  stateDir: string;
  /** The Redis of the Redis store. */
  redis?: RedisServer;
  /** The next bodies (round robin over the stations). */
  blocksToSend: RoundRobinBlocks;
  /** Blocks answered 200, each one validate delivery (fed, warm-up and measured). */
  blocks: number;
}

interface Run {
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  samplesPerSecond: number;
  cpuMsPerRequest: number;
  mainMsPerRequest: number;
  /** The redis-server's CPU per request (Redis store only). */
  redisMsPerRequest?: number;
  loadGeneratorMsPerRequest: number;
  bodiesMadeDuringRun: number;
  latency: { p50: number; p90: number; p99: number; max: number };
}

/** An executor (this build, or the one in `dir`) with its stations initialised and warm. */
async function startTarget(
  name: string,
  backend: Backend,
  options: { dir?: string; nodeArgs?: string; store?: Store } = {},
): Promise<Target> {
  const entry = backend === 'stand-in' ? 'bench/stand-in-server.ts' : builtEntry(options.dir);
  const stateDir = await mkdtemp(join(tmpdir(), 'executor-bench-'));
  const receiver = await startReceiver();
  const redis = options.store === 'redis' ? await startRedis() : undefined;
  const store: Record<string, string> = redis
    ? { REDIS_URL: redis.url, REDIS_PREFIX: `${randomPrefix()}:` }
    : { STATE_DIR: stateDir };
  const { child, url } = await startExecutor(
    { ...store, DATA_SERVER_ENDPOINT: receiver.url },
    entry,
    options,
  );
  const target: Target = {
    name,
    child,
    url,
    receiver,
    stateDir,
    ...(redis ? { redis } : {}),
    blocksToSend: new RoundRobinBlocks(STATIONS, 1),
    blocks: 0,
  };
  await initialize(url, STATIONS);
  // Steady state, as a long-running executor sees it: every station's files opened once and its detectors warm
  // (a first block also creates the station's history file).
  await feed(url, 0, STATIONS);
  target.blocks = STATIONS;
  return target;
}

function nextBody(target: Target): string {
  return target.blocksToSend.body();
}

/** Loads `target` for `seconds`. */
async function run(target: Target, seconds: number): Promise<Run> {
  // Bodies for up to PREPARED_PER_SECOND requests/s are made before the clock starts: making them is the load
  // generator's work, which would otherwise take CPU from the executor on a 2-core machine.
  const prepared = Array.from({ length: seconds * PREPARED_PER_SECOND }, () => nextBody(target));
  let calls = 0;
  const pid = target.child.pid!;
  const cpuBefore = cpuSeconds(pid);
  const mainBefore = cpuSeconds(pid, true);
  const redisPid = target.redis?.pid;
  const redisBefore = redisPid === undefined ? 0 : cpuSeconds(redisPid);
  const loadBefore = process.cpuUsage();
  const result = await autocannon({
    url: `${target.url}/detection`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: prepared[calls++] ?? nextBody(target) }) }],
  });
  const loadCpu = process.cpuUsage(loadBefore);
  const answered = result['2xx'] + result.non2xx;
  target.blocks += result['2xx'];
  // The machine is shared: CPU per request is the figure that does not depend on the neighbours' load.
  return {
    requests: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    samplesPerSecond: Math.round((result['2xx'] * BLOCK) / (result.duration || seconds)),
    cpuMsPerRequest: twoDecimals(((cpuSeconds(pid) - cpuBefore) * 1000) / answered),
    mainMsPerRequest: twoDecimals(((cpuSeconds(pid, true) - mainBefore) * 1000) / answered),
    ...(redisPid === undefined
      ? {}
      : { redisMsPerRequest: twoDecimals(((cpuSeconds(redisPid) - redisBefore) * 1000) / answered) }),
    loadGeneratorMsPerRequest: twoDecimals((loadCpu.user + loadCpu.system) / 1000 / answered),
    bodiesMadeDuringRun: Math.max(0, calls - prepared.length),
    latency: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
  };
}

function twoDecimals(x: number): number {
  return Number(x.toFixed(2));
}

async function stopTarget(target: Target): Promise<void> {
  await stop(target.child);
  await target.receiver.close();
  await target.redis?.stop();
  await rm(target.stateDir, { recursive: true, force: true });
}

/** How long after the load the data server has a validate delivery for every block. */
async function deliveriesCaughtUpSeconds(target: Target): Promise<number> {
  const start = performance.now();
  while ((await target.receiver.count()) < target.blocks && performance.now() - start < 30_000) {
    await new Promise((r) => setTimeout(r, 50));
  }
  return Number(((performance.now() - start) / 1000).toFixed(1));
}

async function throughput(backend: Backend, store: Store): Promise<void> {
  const target = await startTarget('this build', backend, { store });
  try {
    if (WARMUP_SECONDS > 0) await run(target, WARMUP_SECONDS);
    const r = await run(target, SECONDS);
    const caughtUp = await deliveriesCaughtUpSeconds(target);
    const stations = (await (await fetch(`${target.url}/stations?limit=10`)).json()) as { total: number };
    const detail = (await (await fetch(`${target.url}/stations/station_0`)).json()) as {
      variables: Record<string, { stale: number; samples: number }>;
    };
    console.log(
      JSON.stringify(
        {
          scenario: `${backend === 'core' ? 'default detector' : 'stand-in detector (service overhead)'}, ${store} store: /detection, ${BLOCK} samples × ${VARIABLES.length} variables, ${STATIONS} stations, ${CONNECTIONS} connections, ${SECONDS} s`,
          requests: r.requests,
          non2xx: r.non2xx,
          errors: r.errors,
          timeouts: r.timeouts,
          samplesPerSecond: r.samplesPerSecond,
          valuesPerSecond: r.samplesPerSecond * VARIABLES.length,
          executorCpuMsPerRequest: r.cpuMsPerRequest,
          samplesPerCpuSecond: Math.round((BLOCK * 1000) / r.cpuMsPerRequest),
          // The event loop's share: the ceiling of one process is BLOCK / this per millisecond.
          executorMainThreadMsPerRequest: r.mainMsPerRequest,
          // The Redis store's other half: Redis's own CPU per block (its commits, loads and stream appends).
          redisCpuMsPerRequest: r.redisMsPerRequest,
          // The load generator shares the cores (the data server too, in its own process).
          loadGeneratorCpuMsPerRequest: r.loadGeneratorMsPerRequest,
          bodiesMadeDuringRun: r.bodiesMadeDuringRun,
          latencyMs: r.latency,
          stationsKnown: stations.total,
          station0: { samples: detail.variables.level?.samples, stale: detail.variables.level?.stale },
          deliveriesReceived: await target.receiver.count(),
          deliveriesCaughtUpSeconds: caughtUp,
          rssMiB: Math.round(rssMiB(target.child.pid!)),
        },
        null,
        2,
      ),
    );
  } finally {
    await stopTarget(target);
  }
}

/**
 * This build against the executor built in BENCH_BASELINE (another checkout's service folder, e.g. a `git worktree`
 * of main), both running side by side and loaded in turn (order A B B A ...), BENCH_ROUNDS times each. The VM's
 * speed drifts by a fifth within minutes, so only runs this close in time compare; the ratio of CPU per request is
 * the figure to read.
 */
async function compare(baselineDir: string): Promise<void> {
  const nodeArgs = process.env.BENCH_BASELINE_NODE_ARGS ?? process.env.BENCH_NODE_ARGS;
  const targets = [
    await startTarget('this build', 'core'),
    await startTarget('baseline', 'core', {
      dir: baselineDir,
      ...(nodeArgs === undefined ? {} : { nodeArgs }),
    }),
  ];
  const runs = new Map<Target, Run[]>(targets.map((t) => [t, []]));
  try {
    for (const target of targets) if (WARMUP_SECONDS > 0) await run(target, WARMUP_SECONDS);
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
        // An executor left idle while the other ran starts slower (its heaps shrink meanwhile): 2 s unmeasured.
        await run(target, 2);
        const r = await run(target, SECONDS);
        runs.get(target)!.push(r);
        console.log(
          JSON.stringify({
            round,
            target: target.name,
            samplesPerSecond: r.samplesPerSecond,
            cpuMsPerRequest: r.cpuMsPerRequest,
            p99: r.latency.p99,
            errors: r.errors + r.non2xx + r.timeouts,
          }),
        );
      }
    }
    const [self, base] = targets.map((t) => runs.get(t)!);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const summary = (rs: Run[]) => ({
      samplesPerSecond: median(rs.map((r) => r.samplesPerSecond)),
      cpuMsPerRequest: median(rs.map((r) => r.cpuMsPerRequest)),
      p99: median(rs.map((r) => r.latency.p99)),
    });
    console.log(
      JSON.stringify(
        {
          scenario: `this build (${process.env.BENCH_NODE_ARGS ?? ''}) vs ${baselineDir} (${nodeArgs ?? ''}): ${ROUNDS} rounds of ${SECONDS} s each, ${CONNECTIONS} connections, ${STATIONS} stations (medians)`,
          thisBuild: summary(self!),
          baseline: summary(base!),
          // Per round (the two runs next to each other): this build's CPU per request over the baseline's.
          cpuRatioPerRound: self!.map((r, i) => twoDecimals(r.cpuMsPerRequest / base![i]!.cpuMsPerRequest)),
        },
        null,
        2,
      ),
    );
  } finally {
    for (const target of targets) await stopTarget(target);
  }
}

async function memory(): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), 'executor-bench-mem-'));
  let { child, url } = await startExecutor({ STATE_DIR: stateDir });
  try {
    await initialize(url, MEMORY_STATIONS);
    const initialised = rssMiB(child.pid!);
    await feed(url, 0, MEMORY_STATIONS);
    const fed = rssMiB(child.pid!);
    await stop(child);
    const t0 = performance.now();
    ({ child, url } = await startExecutor({ STATE_DIR: stateDir }));
    const reloadSeconds = (performance.now() - t0) / 1000;
    const afterRestart = rssMiB(child.pid!);
    // Second block each: every station restored from disk on first use.
    const t1 = performance.now();
    await feed(url, 1, MEMORY_STATIONS);
    const secondBlockSeconds = (performance.now() - t1) / 1000;
    console.log(
      JSON.stringify(
        {
          scenario: `${MEMORY_STATIONS} stations × ${VARIABLES.length} variables (W=64)`,
          rssMiBInitialised: Math.round(initialised),
          rssMiBAfterOneBlockEach: Math.round(fed),
          maxResidentStations: process.env.MAX_RESIDENT_STATIONS ?? 'default',
          restartToReadySeconds: Number(reloadSeconds.toFixed(1)),
          rssMiBAfterRestart: Math.round(afterRestart),
          secondBlockEachSeconds: Number(secondBlockSeconds.toFixed(1)),
          rssMiBAfterSecondBlockEach: Math.round(rssMiB(child.pid!)),
        },
        null,
        2,
      ),
    );
  } finally {
    await stop(child);
    await rm(stateDir, { recursive: true, force: true });
  }
}

const BASELINE = process.env.BENCH_BASELINE;
if (BASELINE) await compare(BASELINE);
else {
  const BACKENDS = (process.env.BENCH_BACKENDS ?? 'stand-in,core').split(',').filter(Boolean) as Backend[];
  const STORES = (process.env.BENCH_STORES ?? 'disk,redis').split(',').filter(Boolean) as Store[];
  for (const backend of BACKENDS) for (const store of STORES) await throughput(backend, store);
  if (process.env.BENCH_MEMORY !== '0') await memory();
}
