/**
 * End-to-end benchmark of the metric API on loopback: the executor runs as a child process, autocannon posts
 * form-encoded requests with `data` = base64 of a 1440-row Druid timeseries response (one day at PT1M, the four
 * traffic aggregations), first on the shallow model (no model in the store), then on a trained autoencoder (`model`
 * given; trained here on 3 days of the same synthetic traffic and published to a temporary MODEL_DIR); then both
 * again with a JSON body carrying `data` as JSON; last, form requests carrying only `query`, which the executor runs
 * against a Druid stand-in in this process (answering the same 1440 rows). The executor uses METRIC_WORKERS from the
 * environment (default: one worker thread per core). A calibration line first: the worker part of a shallow request,
 * timed in this process.
 *
 *   pnpm build && node --conditions=source --import tsx bench/druid-query.ts
 *   env: BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CONNECTIONS, BENCH_SCENARIOS (some of form-shallow,
 *   form-autoencoder, json-shallow, json-autoencoder, query-shallow; default all);
 *   BENCH_BASELINE=<another checkout>/services/executor (built) [BENCH_ROUNDS]: instead, this build against that one,
 *   side by side, loaded in turn (see `compare`).
 * The executor runs from its build, as `pnpm start` runs it; this script's own imports come from the sources.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricRow } from '@outliers/core';
import { answerWith, startDruidStandIn } from '@outliers/druid/testing';
import { DiskModelStore } from '@outliers/model-store';
import autocannon from 'autocannon';
import { type MetricWork, runMetricWork } from '../src/detection/metric-work.js';
import { builtEntry, cpuSeconds, startExecutor } from './executor-process.js';
import { base64Data, druidAnswer, FORM, formBody, ROWS, row } from './metric-requests.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
/**
 * Unmeasured load before each scenario, so that the run measures the steady state rather than the worker threads'
 * first seconds (compiling the hot code, growing their heaps).
 */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
/** Alternating runs per executor and scenario when comparing with BENCH_BASELINE. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
/** A form request with only a `query` (base64 of a Druid timeseries query for the day of the rows). */
function queryBody(): string {
  const query = {
    queryType: 'timeseries',
    dataSource: 'rb_flow',
    granularity: 'minute',
    intervals: ['2024-05-06/2024-05-07'],
    aggregations: [{ type: 'longSum', name: 'bytes', fieldName: 'bytes' }],
  };
  return new URLSearchParams({ query: Buffer.from(JSON.stringify(query)).toString('base64') }).toString();
}

/** The same request as a JSON body with `data` as a JSON value (no base64, no percent-encoding). */
function jsonBody(rows: MetricRow[], model?: string): string {
  const data = rows.map((r) => ({ timestamp: new Date(r.time).toISOString(), result: r.values }));
  return JSON.stringify(model ? { data, model } : { data });
}

interface Scenario {
  key: string;
  name: string;
  body: string;
  type: string;
}

interface Executor {
  name: string;
  child: ChildProcess;
  url: string;
}

/** One request: checks the answer and loads the model before measuring. */
async function check(executor: Executor, scenario: Scenario) {
  const first = await fetch(`${executor.url}/api/v1/outliers`, {
    method: 'POST',
    body: scenario.body,
    headers: { 'content-type': scenario.type },
  });
  const reply = (await first.json()) as {
    predicted?: unknown[];
    anomalies?: unknown[];
    model?: { kind: string };
  };
  if (first.status !== 200 || reply.predicted?.length !== ROWS)
    throw new Error(`${scenario.key}: ${first.status} ${JSON.stringify(reply).slice(0, 300)}`);
  return { model: reply.model?.kind, anomalies: reply.anomalies?.length };
}

function load(executor: Executor, scenario: Scenario, duration: number) {
  return autocannon({
    url: `${executor.url}/api/v1/outliers`,
    method: 'POST',
    connections: CONNECTIONS,
    duration,
    headers: { 'content-type': scenario.type },
    body: scenario.body,
  });
}

async function measure(executor: Executor, scenario: Scenario) {
  const pid = executor.child.pid!;
  const cpuBefore = cpuSeconds(pid);
  const mainBefore = cpuSeconds(pid, true);
  const loadBefore = process.cpuUsage();
  const result = await load(executor, scenario, SECONDS);
  const answered = result['2xx'] + result.non2xx;
  const generator = process.cpuUsage(loadBefore);
  const perRequest = (ms: number) => Number((ms / answered).toFixed(1));
  return {
    requestsPerSecond: Math.round(result['2xx'] / (result.duration || SECONDS)),
    non2xx: result.non2xx,
    // CPU per request does not depend on what else the machine runs; the main thread's share is what workers relieve.
    executorCpuMsPerRequest: perRequest((cpuSeconds(pid) - cpuBefore) * 1000),
    executorMainThreadMsPerRequest: perRequest((cpuSeconds(pid, true) - mainBefore) * 1000),
    // The load generator shares the two cores: what it takes is not left for the executor.
    loadGeneratorCpuMsPerRequest: perRequest((generator.user + generator.system) / 1000),
    errors: result.errors,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
  };
}

async function run(executor: Executor, scenario: Scenario): Promise<void> {
  const answer = await check(executor, scenario);
  if (WARMUP_SECONDS > 0) await load(executor, scenario, WARMUP_SECONDS);
  console.log(
    JSON.stringify({
      scenario: `${scenario.name}, ${CONNECTIONS} connections, ${SECONDS} s`,
      ...answer,
      ...(await measure(executor, scenario)),
    }),
  );
}

/**
 * This build against the executor built in BENCH_BASELINE (another checkout's service folder, e.g. a `git worktree`
 * of main), both running side by side and loaded in turn (order A B B A ...), BENCH_ROUNDS times per scenario. The
 * VM's speed drifts by a fifth within minutes, so only runs this close in time compare; the ratio of CPU per request
 * is the figure to read.
 */
async function compare(executors: Executor[], scenario: Scenario): Promise<void> {
  for (const executor of executors) {
    await check(executor, scenario);
    if (WARMUP_SECONDS > 0) await load(executor, scenario, WARMUP_SECONDS);
  }
  const runs = new Map(executors.map((e) => [e, [] as Awaited<ReturnType<typeof measure>>[]]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const executor of round % 2 === 0 ? executors : [...executors].reverse()) {
      // An executor left idle while the other ran starts slower (its heaps shrink meanwhile): 2 s unmeasured.
      await load(executor, scenario, 2);
      const r = await measure(executor, scenario);
      runs.get(executor)!.push(r);
      console.log(
        JSON.stringify({
          scenario: scenario.key,
          round,
          target: executor.name,
          requestsPerSecond: r.requestsPerSecond,
          executorCpuMsPerRequest: r.executorCpuMsPerRequest,
        }),
      );
    }
  }
  const [self, base] = executors.map((e) => runs.get(e)!);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(
    JSON.stringify({
      scenario: scenario.key,
      requestsPerSecond: {
        thisBuild: median(self!.map((r) => r.requestsPerSecond)),
        baseline: median(base!.map((r) => r.requestsPerSecond)),
      },
      cpuRatioPerRound: self!.map((r, i) =>
        Number((r.executorCpuMsPerRequest / base![i]!.executorCpuMsPerRequest).toFixed(3)),
      ),
    }),
  );
}

/**
 * How fast this machine is right now (a shared VM varies by a fifth within an hour): the worker's part of a
 * shallow form request, run in this process. Read each run's requests/s against it.
 */
function calibrate(rows: MetricRow[]): void {
  const work: MetricWork = {
    rows: { data: { base64: base64Data(rows) } },
    metric: 'bytes',
    model: { name: 'shallow', kind: 'shallow', resolvedBy: 'fallback' },
  };
  const times: number[] = [];
  for (let i = 0; i < 60; i++) {
    const start = performance.now();
    runMetricWork(work, undefined);
    if (i >= 20) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1]!;
  console.log(
    JSON.stringify({
      calibration: 'shallow form request, worker part, one thread',
      medianMs: Number(median.toFixed(1)),
    }),
  );
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'executor-bench-druid-'));
  const { trainModel } = await import('@outliers/core/autoencoder');
  const model = await trainModel(
    Array.from({ length: 3 * ROWS }, (_, i) => row(i - 3 * ROWS)),
    { epochs: 5 },
  );
  await new DiskModelStore(join(dir, 'models')).publish('bench-model', await model.toFiles());
  model.dispose();
  const rows = Array.from({ length: ROWS }, (_, i) => row(i));
  const scenario = (encoding: 'form' | 'json', kind: 'shallow' | 'autoencoder'): Scenario => {
    const name = kind === 'autoencoder' ? 'bench-model' : undefined;
    const body = encoding === 'form' ? formBody(rows, name) : jsonBody(rows, name);
    const size = `${(body.length / 1024).toFixed(0)} KiB`;
    return {
      key: `${encoding}-${kind}`,
      name: `${kind === 'shallow' ? 'shallow model' : kind}: ${ROWS} rows as ${encoding === 'form' ? 'form' : 'JSON'} data (${size})`,
      body,
      type: encoding === 'form' ? FORM : 'application/json',
    };
  };
  const wanted = process.env.BENCH_SCENARIOS?.split(',');
  const scenarios = [
    scenario('form', 'shallow'),
    scenario('form', 'autoencoder'),
    scenario('json', 'shallow'),
    scenario('json', 'autoencoder'),
    {
      key: 'query-shallow',
      name: `shallow model: ${ROWS} rows from Druid (stand-in) for a form query`,
      body: queryBody(),
      type: FORM,
    },
  ].filter((s) => !wanted || wanted.includes(s.key));
  const druid = await startDruidStandIn(answerWith(druidAnswer(rows)));
  const baseline = process.env.BENCH_BASELINE;
  const executors: Executor[] = [];
  const start = async (name: string, serviceDir?: string) => {
    const env = {
      STATE_DIR: join(dir, `state-${executors.length}`),
      MODEL_DIR: join(dir, 'models'),
      DRUID_URL: druid.url,
    };
    const started = serviceDir
      ? await startExecutor(env, builtEntry(serviceDir), { dir: serviceDir })
      : await startExecutor(env);
    executors.push({ name, ...started });
  };
  try {
    await start('this build');
    if (baseline) await start('baseline', baseline);
    else calibrate(rows);
    for (const s of scenarios) await (baseline ? compare(executors, s) : run(executors[0]!, s));
  } finally {
    for (const { child } of executors) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await druid.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
