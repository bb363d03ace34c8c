/**
 * Test harness: a throw-away redis-server on a free port, restartable on the same port. Without persistence by
 * default (a restart loses everything, as a crash without AOF); with `appendOnlyDir`, every write is fsynced to an
 * append-only file there, so a restart keeps what was acknowledged (as a production Redis with AOF always).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';

export interface RedisServer {
  port: number;
  url: string;
  /** The server process (benchmarks read its CPU time). */
  readonly pid: number;
  stop(): Promise<void>;
  /** Kills the server (SIGKILL) and starts it again on the same port; data survives only with `appendOnlyDir`. */
  restart(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export async function startRedis({ appendOnlyDir }: { appendOnlyDir?: string } = {}): Promise<RedisServer> {
  const port = await freePort();
  const persistence = appendOnlyDir
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', appendOnlyDir]
    : ['--appendonly', 'no'];
  const launch = () => launchRedis(port, persistence);
  let child = await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid!;
    },
    async stop() {
      await kill(child);
    },
    async restart() {
      await kill(child);
      child = await launch();
    },
  };
}

/** A queue prefix of its own for each test, so tests never see each other's keys. */
export function randomPrefix(): string {
  return `test-${randomUUID().slice(0, 8)}`;
}

async function launchRedis(port: number, persistence: string[]): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
