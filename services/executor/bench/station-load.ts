/**
 * The station load of the benches: a data server receiving the outbox deliveries, stations initialised and fed, and
 * the next /detection block of each station in turn (station-stream.ts, soak.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { detectionBody, VARIABLES } from './station-bodies.js';

/**
 * The data server: its own process, as in production (in the benchmark's process it shared an event loop with
 * autocannon and fell behind, which measured the benchmark, not the executor). GET /count tells how many POSTs.
 */
const RECEIVER = `
  import { createServer } from 'node:http';
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET') return res.end(String(received));
      received++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

export async function startReceiver(): Promise<{
  url: string;
  count: () => Promise<number>;
  close: () => Promise<void>;
}> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', RECEIVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    count: async () => Number(await (await fetch(`${url}/count`)).text()),
    close: () => stop(child),
  };
}

export async function post(url: string, path: string, body: string): Promise<void> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

/** `stations` stations `station_<n>` with the bench's variables (W=64), 50 at a time. */
export async function initialize(url: string, stations: number): Promise<void> {
  const variables = Object.fromEntries(VARIABLES.map((v) => [v, 64]));
  for (let s = 0; s < stations; s += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, stations - s) }, (_, k) =>
        post(url, '/initialize', JSON.stringify({ id_estacio: `station_${s + k}`, variables })),
      ),
    );
  }
}

export async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** One /detection block (number `blockIndex`) to each of the first `stations` stations, 50 at a time. */
export async function feed(url: string, blockIndex: number, stations: number): Promise<void> {
  for (let s = 0; s < stations; s += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, stations - s) }, (_, k) =>
        post(url, '/detection', detectionBody(s + k, blockIndex)),
      ),
    );
  }
}

/** The next block of each of `stations` stations in turn, each station's blocks in order from `firstBlock`. */
export class RoundRobinBlocks {
  private readonly next: number[];
  private turn = 0;

  constructor(
    private readonly stations: number,
    firstBlock: number,
  ) {
    this.next = new Array<number>(stations).fill(firstBlock);
  }

  body(): string {
    return this.bodyOf(this.turn++ % this.stations);
  }

  /** The next block of `station` (for a caller that chooses the stations itself). */
  bodyOf(station: number): string {
    return detectionBody(station, this.next[station]!++);
  }
}
