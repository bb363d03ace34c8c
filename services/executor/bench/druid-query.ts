/**
 * End-to-end benchmark of the metric API on loopback: the executor runs as a child process, autocannon posts
 * form-encoded requests with `data` = base64 of a 1440-row Druid timeseries response (one day at PT1M, the four
 * traffic aggregations), first on the shallow model (no model in the store), then on a trained autoencoder (`model`
 * given; trained here on 3 days of the same synthetic traffic and published to a temporary MODEL_DIR); then both
 * again with a JSON body carrying `data` as JSON. The executor uses METRIC_WORKERS from the environment (default:
 * one worker thread per core). A calibration line first: the worker part of a shallow request, timed in this process.
 *
 *   pnpm build && node --conditions=source --import tsx bench/druid-query.ts
 *   env: BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_CONNECTIONS
 * The executor runs from its build, as `pnpm start` runs it; this script's own imports come from the sources.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricRow } from '@outliers/core';
import { DiskModelStore } from '@outliers/model-store';
import autocannon from 'autocannon';
import { type MetricWork, runMetricWork } from '../src/detection/metric-work.js';
import { cpuSeconds, startExecutor } from './executor-process.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
/**
 * Unmeasured load before each scenario, so that the run measures the steady state rather than the worker threads'
 * first seconds (compiling the hot code, growing their heaps).
 */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const ROWS = 1440;
const MINUTE = 60_000;

/** One minute of traffic: daily cycle plus deterministic noise, and a spike every 500 minutes. */
function row(i: number): MetricRow {
  const time = Date.UTC(2024, 4, 6) + i * MINUTE;
  const daily = 1.5 + Math.sin((2 * Math.PI * (i % 1440)) / 1440);
  const x = Math.sin(i * 12.9898) * 43758.5453;
  const noise = 1 + 0.05 * (x - Math.floor(x) - 0.5);
  const bytes = 2e6 * daily * noise * (i % 500 === 250 ? 8 : 1);
  return {
    time,
    values: {
      bytes: Math.round(bytes),
      pkts: Math.round(bytes / 900),
      clients: 30 * daily + 3,
      flows: Math.round(bytes / 4e4),
    },
  };
}

/** The `data` field of a form request: base64 of a Druid timeseries response. */
function base64Data(rows: MetricRow[]): string {
  const data = rows.map((r) => ({ timestamp: new Date(r.time).toISOString(), result: r.values }));
  return Buffer.from(JSON.stringify(data)).toString('base64');
}

function formBody(rows: MetricRow[], model?: string): string {
  const fields: Record<string, string> = { data: base64Data(rows) };
  if (model) fields.model = Buffer.from(model).toString('base64');
  return new URLSearchParams(fields).toString();
}

/** The same request as a JSON body with `data` as a JSON value (no base64, no percent-encoding). */
function jsonBody(rows: MetricRow[], model?: string): string {
  const data = rows.map((r) => ({ timestamp: new Date(r.time).toISOString(), result: r.values }));
  return JSON.stringify(model ? { data, model } : { data });
}

const FORM = 'application/x-www-form-urlencoded';

async function run(url: string, pid: number, name: string, body: string, type = FORM): Promise<void> {
  // One request first: checks the answer and loads the model before measuring.
  const first = await fetch(`${url}/api/v1/outliers`, {
    method: 'POST',
    body,
    headers: { 'content-type': type },
  });
  const reply = (await first.json()) as {
    predicted?: unknown[];
    anomalies?: unknown[];
    model?: { kind: string };
  };
  if (first.status !== 200 || reply.predicted?.length !== ROWS)
    throw new Error(`${name}: ${first.status} ${JSON.stringify(reply).slice(0, 300)}`);
  const load = (duration: number) =>
    autocannon({
      url: `${url}/api/v1/outliers`,
      method: 'POST',
      connections: CONNECTIONS,
      duration,
      headers: { 'content-type': type },
      body,
    });
  if (WARMUP_SECONDS > 0) await load(WARMUP_SECONDS);
  const cpuBefore = cpuSeconds(pid);
  const mainBefore = cpuSeconds(pid, true);
  const loadBefore = process.cpuUsage();
  const result = await load(SECONDS);
  const answered = result['2xx'] + result.non2xx;
  const generator = process.cpuUsage(loadBefore);
  console.log(
    JSON.stringify({
      scenario: `${name}: ${ROWS} rows as ${type === FORM ? 'form' : 'JSON'} data (${(body.length / 1024).toFixed(0)} KiB), ${CONNECTIONS} connections, ${SECONDS} s`,
      model: reply.model?.kind,
      anomalies: reply.anomalies?.length,
      requestsPerSecond: Math.round(result['2xx'] / (result.duration || SECONDS)),
      non2xx: result.non2xx,
      // CPU per request does not depend on what else the machine runs; the main thread's share is what workers relieve.
      executorCpuMsPerRequest: Number((((cpuSeconds(pid) - cpuBefore) * 1000) / answered).toFixed(1)),
      executorMainThreadMsPerRequest: Number(
        (((cpuSeconds(pid, true) - mainBefore) * 1000) / answered).toFixed(1),
      ),
      // The load generator shares the two cores: what it takes is not left for the executor.
      loadGeneratorCpuMsPerRequest: Number(
        ((generator.user + generator.system) / 1000 / answered).toFixed(1),
      ),
      errors: result.errors,
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
      },
    }),
  );
}

/**
 * How fast this machine is right now (a shared VM varies by a fifth within an hour): the worker's part of a
 * shallow form request, run in this process. Read each run's requests/s against it.
 */
function calibrate(rows: MetricRow[]): void {
  const work: MetricWork = {
    rows: { data: { value: base64Data(rows), encoding: 'form' } },
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
  const { child, url } = await startExecutor({
    STATE_DIR: join(dir, 'state'),
    MODEL_DIR: join(dir, 'models'),
  });
  try {
    const rows = Array.from({ length: ROWS }, (_, i) => row(i));
    calibrate(rows);
    await run(url, child.pid!, 'shallow model', formBody(rows));
    await run(url, child.pid!, 'autoencoder', formBody(rows, 'bench-model'));
    await run(url, child.pid!, 'shallow model', jsonBody(rows), 'application/json');
    await run(url, child.pid!, 'autoencoder', jsonBody(rows, 'bench-model'), 'application/json');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
