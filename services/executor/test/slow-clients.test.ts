import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { appPerTest } from './support/helpers.js';

const { start } = appPerTest();

async function listen(env: Record<string, string>): Promise<number> {
  const app = await start({ STATION_WORKERS: '0', ...env });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}

/** A connection that sends `text` and then nothing; resolves `closed` with the ms it stayed open. */
function slowClient(port: number, text: string) {
  const opened = performance.now();
  const socket: Socket = connect(port, '127.0.0.1', () => socket.write(text));
  socket.on('error', () => {});
  socket.resume(); // read what the server answers (a 408), or 'close' never comes
  const closed = new Promise<number>((resolve) =>
    socket.on('close', () => resolve(performance.now() - opened)),
  );
  return { socket, closed };
}

describe('slow and idle clients', () => {
  it('are closed once the request or header timeout passes, and /health answers meanwhile', async () => {
    const port = await listen({ REQUEST_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '500' });
    const clients = Array.from({ length: 300 }, (_, i) =>
      slowClient(
        port,
        i % 2 === 0
          ? 'POST /detection HTTP/1.1\r\nHost: x\r\n' // headers that never end
          : 'POST /detection HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id',
      ),
    );
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    const lifetimes = await Promise.all(clients.map((c) => c.closed));
    // The timeout, plus at most one check interval (1 s), plus scheduling.
    expect(Math.max(...lifetimes)).toBeLessThan(3500);
    expect(Math.min(...lifetimes)).toBeGreaterThanOrEqual(400);
  });

  it('beyond MAX_CONNECTIONS are closed at once, and the service answers again when they go', async () => {
    const port = await listen({ MAX_CONNECTIONS: '20' });
    const clients = Array.from({ length: 30 }, () => slowClient(port, ''));
    const early = await Promise.all(
      clients.map((c) =>
        Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(Infinity), 1000))]),
      ),
    );
    expect(early.filter(Number.isFinite)).toHaveLength(10);
    for (const c of clients) c.socket.destroy();
    await Promise.all(clients.map((c) => c.closed));
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });
});
