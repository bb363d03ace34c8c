/** The executor as a child process for benchmarks: a free loopback port, TypeScript sources, ready when /ready is. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** The sources the built executor is made of: a build older than any of them would measure old code. */
const SOURCES = [
  'src',
  '../../packages/core/src',
  '../../packages/druid/src',
  '../../packages/model-store/src',
];
const BUILT = 'dist/server.js';

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * The executor as `pnpm start` runs it: the build (`pnpm bench` at the root builds first). Under tsx from the
 * sources the same requests cost 7-14 % more CPU (esbuild's output, and a loader thread per thread).
 */
export function builtEntry(dir = serviceDir): string {
  const built = join(dir, BUILT);
  const builtAt = (() => {
    try {
      return statSync(built).mtimeMs;
    } catch {
      return 0;
    }
  })();
  if (SOURCES.some((sources) => newestSource(join(dir, sources)) > builtAt)) {
    throw new Error(`${built} is missing or older than its sources: run \`pnpm build\` there first`);
  }
  return BUILT;
}

/** The node flags of the `start` script in `dir`'s package.json: the process settings production runs with. */
export function startFlags(dir = serviceDir): string[] {
  const { scripts } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return scripts.start.split(' ').filter((word) => word.startsWith('--'));
}

/**
 * Starts `entry` (relative to `dir`, the service folder: this one by default, or another checkout's for a baseline;
 * default entry: the build) with `env` on top of this process's environment; a `.ts` entry runs under tsx.
 * Node gets the flags of `dir`'s start script, then `nodeArgs` (default BENCH_NODE_ARGS), e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof".
 */
export async function startExecutor(
  env: Record<string, string>,
  entry = builtEntry(),
  {
    dir = serviceDir,
    nodeArgs = process.env.BENCH_NODE_ARGS ?? '',
  }: { dir?: string; nodeArgs?: string } = {},
): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const source = entry.endsWith('.ts') ? ['--conditions=source', '--import', 'tsx'] : [];
  const child = spawn(
    process.execPath,
    [...startFlags(dir), ...nodeArgs.split(' ').filter(Boolean), ...source, entry],
    {
      cwd: dir,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`executor exited (${child.exitCode})`);
    const res = await fetch(`${url}/ready`).catch(() => undefined);
    if (res?.status === 200) return { child, url };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * CPU seconds (user + system) a process has used, or its main thread (the event loop) with `mainThread`, from /proc
 * (clock ticks of 10 ms).
 */
export function cpuSeconds(pid: number, mainThread = false): number {
  const path = mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
  const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
}
