/**
 * Slow clients against one executor process (issue #16): SLOW_CLIENTS connections send the headers of a /detection
 * request and the first bytes of its body, then stall. Meanwhile /health is asked every 250 ms, each time on a new
 * connection. Reports /health's latency (p50, p99, max) and failures, how many stalled connections the executor held
 * at once (its open sockets, read from /proc), and when it closed them against REQUEST_TIMEOUT_MS.
 *
 *   pnpm build && pnpm --filter @outliers/executor run slow-clients
 *   env: SLOW_CLIENTS (20000), SLOW_TIMEOUT_MS (the run's REQUEST_TIMEOUT_MS, 5000), SLOW_PROCESSES (client
 *   processes, 2); executor keys pass through.
 *
 * Every connection is a file descriptor on both sides. The executor gets MAX_CONNECTIONS = SLOW_CLIENTS + a margin
 * (its default, a quarter of `ulimit -n`, would refuse most of them) and needs `ulimit -n` above that; the clients
 * are spread over SLOW_PROCESSES processes so that each stays under the same limit. The package script raises
 * `ulimit -n` where it may (root with CAP_SYS_RESOURCE); this script refuses to start when the limit is too low.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SlowClientEnd, slowClient } from '../test/support/slow-client.js';
import { startExecutor } from './executor-process.js';
import { quantile } from './quantile.js';

const CLIENTS = Number(process.env.SLOW_CLIENTS ?? 20_000);
const TIMEOUT_MS = Number(process.env.SLOW_TIMEOUT_MS ?? 5000);
const PROCESSES = Number(process.env.SLOW_PROCESSES ?? 2);
const HEALTH_EVERY_MS = 250;
/** Connections beyond the clients the executor accepts: the /health polls. */
const MARGIN = 64;
/**
 * Connects a client process keeps in flight: with every process's, below the listen backlog (511), which drops SYNs
 * beyond it (retried a second later).
 */
const IN_FLIGHT = 64;
const STALLED =
  'POST /detection HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id';

type ClientMessage = { connected: number; seconds: number } | { ends: [number, number, string][] };

/** This process's open-file limit (children inherit it). */
function openFileLimit(): number {
  return Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))![1]);
}

function openFiles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * A client process: `count` stalled connections to `port`; reports when they are open and when closed. No source
 * address is given: binding one searches the ephemeral ports, ever slower as they fill (600 connects/s at 5,000).
 */
async function clients(port: number, count: number): Promise<void> {
  const open: ReturnType<typeof slowClient>[] = [];
  const start = performance.now();
  const opener = async () => {
    while (open.length < count) {
      const c = slowClient(port, STALLED);
      open.push(c);
      await new Promise((resolve) => c.socket.once('connect', resolve).once('close', resolve));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, opener));
  const connected = open.filter((c) => !c.socket.destroyed).length;
  process.send!({ connected, seconds: (performance.now() - start) / 1000 } satisfies ClientMessage);
  const ends = await Promise.all(open.map((c) => c.ended));
  process.send!(
    {
      ends: ends.map((e: SlowClientEnd) => [e.afterWriteMs, e.status ?? 0, e.error ?? '']),
    } satisfies ClientMessage,
    () => process.disconnect(),
  );
}

/** GET /health on a new connection: its latency in ms, or the failure. */
function health(url: string): Promise<{ ms: number; ok: boolean }> {
  const start = performance.now();
  return new Promise((resolve) => {
    const req = get(`${url}/health`, { agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - start, ok: res.statusCode === 200 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ ms: performance.now() - start, ok: false }));
  });
}

function startClients(port: number, count: number) {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['clients', String(port), String(count)]);
  // A client process that ends without its report (killed, out of descriptors) fails the run instead of hanging it.
  // 'close', not 'exit': it comes once the IPC channel is closed too, so after the last message.
  const exited = new Promise<never>((_, reject) =>
    child.once('close', (code, signal) => reject(new Error(`a client process ended (${code ?? signal})`))),
  );
  const connected = new Promise<{ connected: number; seconds: number }>((resolve) =>
    child.on('message', (m: ClientMessage) => 'connected' in m && resolve(m)),
  );
  const ends = new Promise<[number, number, string][]>((resolve) =>
    child.on('message', (m: ClientMessage) => 'ends' in m && resolve(m.ends)),
  );
  exited.catch(() => {}); // rejected after the report too, when the process ends as it should
  return { connected: Promise.race([connected, exited]), ends: Promise.race([ends, exited]) };
}

const round = (x: number) => Math.round(x);

async function main(): Promise<void> {
  const limit = openFileLimit();
  if (CLIENTS + MARGIN + 200 > limit || CLIENTS / PROCESSES + 200 > limit) {
    throw new Error(
      `ulimit -n is ${limit}: the executor needs SLOW_CLIENTS + ${MARGIN + 200} descriptors. Raise it (as root: ` +
        '`ulimit -n 65536`, which the package script tries) or lower SLOW_CLIENTS.',
    );
  }
  const stateDir = await mkdtemp(join(tmpdir(), 'executor-bench-slow-'));
  const { child, url } = await startExecutor({
    STATE_DIR: stateDir,
    REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
    HEADERS_TIMEOUT_MS: String(TIMEOUT_MS),
    MAX_CONNECTIONS: String(CLIENTS + MARGIN),
  });
  const pid = child.pid!;
  const died = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`the executor exited (${code ?? signal})`))),
  );
  died.catch(() => {}); // also when stopped at the end
  try {
    const idleFiles = openFiles(pid);
    const polls: { ms: number; ok: boolean }[] = [];
    let peakFiles = idleFiles;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const next = new Promise((r) => setTimeout(r, HEALTH_EVERY_MS));
        polls.push(await health(url));
        if (child.exitCode === null && child.signalCode === null)
          peakFiles = Math.max(peakFiles, openFiles(pid));
        await next;
      }
    })();

    const port = Number(new URL(url).port);
    const share = Math.ceil(CLIENTS / PROCESSES);
    const groups = Array.from({ length: PROCESSES }, (_, i) =>
      startClients(port, Math.min(share, CLIENTS - i * share)),
    );
    const opened = await Promise.race([Promise.all(groups.map((g) => g.connected)), died]);
    const ends = (await Promise.race([Promise.all(groups.map((g) => g.ends)), died])).flat();
    polling = false;
    await poller;

    const afterWrite = ends.map(([ms]) => ms).filter(Number.isFinite);
    const count = (values: (string | number)[]) =>
      Object.fromEntries([...new Set(values)].map((v) => [v, values.filter((x) => x === v).length]));
    const latencies = polls.map((p) => p.ms);
    console.log(
      JSON.stringify(
        {
          scenario: `${CLIENTS} connections sending headers and 4 bytes of a 1000-byte /detection body, then nothing; REQUEST_TIMEOUT_MS=${TIMEOUT_MS}, MAX_CONNECTIONS=${CLIENTS + MARGIN}, ulimit -n ${limit}`,
          connected: opened.reduce((sum, o) => sum + o.connected, 0),
          // The slowest client process's, from its first connect to its last.
          connectingSeconds: Number(Math.max(...opened.map((o) => o.seconds)).toFixed(1)),
          executorIdleDescriptors: idleFiles,
          // Sockets the executor held at once: its open descriptors at the peak, less those it had idle.
          peakConnectionsHeld: peakFiles - idleFiles,
          closedAfterWriteMs: {
            min: round(Math.min(...afterWrite)),
            p50: round(quantile(afterWrite, 0.5)),
            p99: round(quantile(afterWrite, 0.99)),
            max: round(Math.max(...afterWrite)),
          },
          answers: count(ends.map(([, status]) => status || 'none')),
          socketErrors: count(ends.map(([, , error]) => error).filter(Boolean)),
          health: {
            polls: polls.length,
            failures: polls.filter((p) => !p.ok).length,
            latencyMs: {
              p50: round(quantile(latencies, 0.5)),
              p99: round(quantile(latencies, 0.99)),
              max: round(Math.max(...latencies)),
            },
          },
        },
        null,
        2,
      ),
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(stateDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'clients') {
  const [port, count] = process.argv.slice(3).map(Number);
  await clients(port!, count!);
} else {
  await main();
}
