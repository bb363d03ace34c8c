import { describe, expect, it } from 'vitest';
import { appPerTest } from './support/helpers.js';
import { slowClient } from './support/slow-client.js';

const { start } = appPerTest();

async function listen(env: Record<string, string>): Promise<number> {
  const app = await start({ STATION_WORKERS: '0', ...env });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}

/** How long each client stayed open (ms). */
const lifetimes = (clients: ReturnType<typeof slowClient>[]) =>
  Promise.all(clients.map(async (c) => (await c.ended).lifetimeMs));

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
    const open = await lifetimes(clients);
    // The timeout, plus at most one check interval (1 s), plus scheduling.
    expect(Math.max(...open)).toBeLessThan(3500);
    expect(Math.min(...open)).toBeGreaterThanOrEqual(400);
  });

  it('beyond MAX_CONNECTIONS are closed at once, and the service answers again when they go', async () => {
    const port = await listen({ MAX_CONNECTIONS: '20' });
    const clients = Array.from({ length: 30 }, () => slowClient(port, ''));
    const early = await Promise.all(
      clients.map((c) =>
        Promise.race([
          c.ended.then((e) => e.lifetimeMs),
          new Promise<number>((r) => setTimeout(() => r(Infinity), 1000)),
        ]),
      ),
    );
    expect(early.filter(Number.isFinite)).toHaveLength(10);
    for (const c of clients) c.socket.destroy();
    await lifetimes(clients);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });
});
