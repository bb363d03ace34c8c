/**
 * Soak (issue #16): one executor process (its build, default detectors, a data server receiving its deliveries)
 * under the station and the metric targets at once for SOAK_MINUTES, sampled every SOAK_WINDOW_SECONDS: the
 * process's RSS (VmRSS: all threads), the main thread's heap when the executor serves Prometheus `/metrics`
 * (`nodejs_heap_size_used_bytes`; left empty otherwise), and per API the achieved rate and the p99 latency of the
 * window. Writes soak.csv and soak.svg into --out (default docs/soak/).
 *
 *   pnpm build && pnpm --filter @outliers/executor run soak [--out DIR]
 *   env: SOAK_MINUTES (10), SOAK_WINDOW_SECONDS (30), SOAK_SAMPLES_PER_SECOND (100000: /detection blocks of 96
 *   samples), SOAK_METRIC_RPS (100: /api/v1/outliers form requests of 1440 rows, shallow model), SOAK_STATIONS
 *   (2000), SOAK_STATION_CONNECTIONS (32), SOAK_METRIC_CONNECTIONS (16); executor keys pass through.
 * The rates are targets (autocannon's overallRate): the achieved ones are what the executor kept up with.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { rssMiB, startExecutor } from './executor-process.js';
import { FORM, formBody, ROWS, row } from './metric-requests.js';
import { BLOCK } from './station-bodies.js';
import { feed, initialize, RoundRobinBlocks, startReceiver, stop } from './station-load.js';
import { linePlot } from './svg-plot.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const WINDOW_SECONDS = Number(process.env.SOAK_WINDOW_SECONDS ?? 30);
const SAMPLES_PER_SECOND = Number(process.env.SOAK_SAMPLES_PER_SECOND ?? 100_000);
const METRIC_RPS = Number(process.env.SOAK_METRIC_RPS ?? 100);
const STATIONS = Number(process.env.SOAK_STATIONS ?? 2000);
const STATION_CONNECTIONS = Number(process.env.SOAK_STATION_CONNECTIONS ?? 32);
const METRIC_CONNECTIONS = Number(process.env.SOAK_METRIC_CONNECTIONS ?? 16);

const { values: args } = parseArgs({ options: { out: { type: 'string' } } });
// A relative --out is the caller's (pnpm runs scripts in the package folder).
const OUT = args.out
  ? resolve(process.env.INIT_CWD ?? process.cwd(), args.out)
  : fileURLToPath(new URL('../../../docs/soak/', import.meta.url));

interface Window {
  minute: number;
  rssMiB: number;
  heapUsedMiB: number | undefined;
  stationSamplesPerSecond: number;
  stationP99Ms: number;
  stationFailures: number;
  metricRequestsPerSecond: number;
  metricP99Ms: number;
  metricFailures: number;
}

/** The main thread's heap in use (MiB) from Prometheus `/metrics`, or undefined when the executor has none. */
async function heapUsedMiB(url: string): Promise<number | undefined> {
  const res = await fetch(`${url}/metrics`).catch(() => undefined);
  if (res?.status !== 200) return undefined;
  const value = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)/m.exec(await res.text())?.[1];
  return value === undefined ? undefined : Number(value) / 2 ** 20;
}

/** Rate-limited load on one route for `seconds`: one body, or each request's from `body()`. */
function load(
  url: string,
  rate: number,
  connections: number,
  seconds: number,
  type: string,
  body: string | (() => string),
) {
  return autocannon({
    url,
    method: 'POST',
    connections,
    overallRate: rate,
    duration: seconds,
    headers: { 'content-type': type },
    ...(typeof body === 'string'
      ? { body }
      : { requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }] }),
  });
}

const round1 = (x: number) => Math.round(x * 10) / 10;

function csv(windows: readonly Window[]): string {
  const keys = Object.keys(windows[0]!) as (keyof Window)[];
  const lines = windows.map((w) => keys.map((k) => (w[k] === undefined ? '' : String(w[k]))).join(','));
  return `${keys.join(',')}\n${lines.join('\n')}\n`;
}

function plot(windows: readonly Window[]): string {
  const series = (name: string, y: (w: Window) => number | undefined) => ({
    name,
    points: windows.flatMap((w) => {
      const value = y(w);
      return value === undefined ? [] : [[w.minute, value] as const];
    }),
  });
  const panels = [
    { title: 'RSS, all threads (MiB)', series: [series('RSS', (w) => w.rssMiB)] },
    { title: 'main-thread heap used (MiB)', series: [series('heap', (w) => w.heapUsedMiB)] },
    {
      title: 'p99 latency per window (ms)',
      series: [series('/detection', (w) => w.stationP99Ms), series('/api/v1/outliers', (w) => w.metricP99Ms)],
    },
    { title: '/detection samples/s', series: [series('achieved', (w) => w.stationSamplesPerSecond)] },
    { title: '/api/v1/outliers requests/s', series: [series('achieved', (w) => w.metricRequestsPerSecond)] },
  ].filter((p) => p.series.some((s) => s.points.length > 0));
  return linePlot('Soak: memory, p99 latency and achieved rates per window', panels, 'minutes');
}

async function main(): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), 'executor-soak-'));
  const receiver = await startReceiver();
  const { child, url } = await startExecutor({ STATE_DIR: stateDir, DATA_SERVER_ENDPOINT: receiver.url });
  try {
    await initialize(url, STATIONS);
    await feed(url, 0, STATIONS);
    const blocks = new RoundRobinBlocks(STATIONS, 1);
    const metricBody = formBody(Array.from({ length: ROWS }, (_, i) => row(i)));
    const check = await fetch(`${url}/api/v1/outliers`, {
      method: 'POST',
      body: metricBody,
      headers: { 'content-type': FORM },
    });
    if (check.status !== 200) throw new Error(`the metric request: ${check.status} ${await check.text()}`);

    const windows: Window[] = [];
    const started = performance.now();
    for (let w = 0; w < Math.ceil((MINUTES * 60) / WINDOW_SECONDS); w++) {
      const [station, metric] = await Promise.all([
        load(
          `${url}/detection`,
          SAMPLES_PER_SECOND / BLOCK,
          STATION_CONNECTIONS,
          WINDOW_SECONDS,
          'application/json',
          () => blocks.body(),
        ),
        load(`${url}/api/v1/outliers`, METRIC_RPS, METRIC_CONNECTIONS, WINDOW_SECONDS, FORM, metricBody),
      ]);
      const window: Window = {
        minute: round1((performance.now() - started) / 60_000),
        rssMiB: Math.round(rssMiB(child.pid!)),
        heapUsedMiB: await heapUsedMiB(url).then((mib) => (mib === undefined ? undefined : round1(mib))),
        stationSamplesPerSecond: Math.round((station['2xx'] * BLOCK) / (station.duration || WINDOW_SECONDS)),
        stationP99Ms: station.latency.p99,
        stationFailures: station.non2xx + station.errors + station.timeouts,
        metricRequestsPerSecond: round1(metric['2xx'] / (metric.duration || WINDOW_SECONDS)),
        metricP99Ms: metric.latency.p99,
        metricFailures: metric.non2xx + metric.errors + metric.timeouts,
      };
      windows.push(window);
      console.log(JSON.stringify(window));
    }
    await mkdir(OUT, { recursive: true });
    await writeFile(join(OUT, 'soak.csv'), csv(windows));
    await writeFile(join(OUT, 'soak.svg'), plot(windows));
    console.log(`wrote ${join(OUT, 'soak.csv')} and soak.svg`);
  } finally {
    await stop(child);
    await receiver.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

await main();
