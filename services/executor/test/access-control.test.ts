import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { routeAccess } from '../src/access/route-groups.js';
import { appPerTest, testConfig } from './support/helpers.js';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');
const TOKENS = { ingest: 'ingest-token-1', both: 'metrics-and-read-token-2' };
const API_KEYS = `ingest:${digest(TOKENS.ingest)}, metrics+read:${digest(TOKENS.both)}`;

const initialize = { id_estacio: 'st-1', variables: { level: 16 } };
const requests = {
  ingest: { method: 'POST', url: '/initialize', payload: initialize },
  read: { method: 'GET', url: '/stations' },
  metrics: { method: 'POST', url: '/api/v1/outliers', payload: { data: [] } },
} as const;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const { start } = appPerTest();

describe('API keys (API_KEYS)', () => {
  it('every documented route belongs to a group of the route table', async () => {
    const spec = (await start()).swagger() as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map(
        (method) => [method.toUpperCase(), path.replaceAll(/\{(\w+)\}/g, ':$1')] as const,
      ),
    );
    expect(routes.length).toBeGreaterThanOrEqual(9);
    for (const [method, url] of routes) expect(routeAccess(method, url), `${method} ${url}`).toBeDefined();
  });

  it('are not needed on the embedded default', async () => {
    const server = await start();
    for (const request of Object.values(requests)) {
      expect((await server.inject(request)).statusCode).not.toBe(401);
    }
  });

  it('answer 401 without a key or with an unknown one, naming the group, and leave the station unknown', async () => {
    const server = await start({ API_KEYS });
    for (const [group, request] of Object.entries(requests)) {
      for (const headers of [{}, bearer('made-up'), { authorization: TOKENS.ingest }]) {
        const res = await server.inject({ ...request, headers });
        expect(res.statusCode, `${group} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer realm="outliers"');
        expect(res.body).toContain(`for the ${group} routes`);
      }
    }
    const stations = await server.inject({ ...requests.read, headers: bearer(TOKENS.both) });
    expect(stations.json()).toMatchObject({ stations: [] });
  });

  it("answer 403 with another group's key, 2xx with the group's own; health checks stay open", async () => {
    const server = await start({ API_KEYS });
    const forbidden = await server.inject({ ...requests.metrics, headers: bearer(TOKENS.ingest) });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ code: 'EXECUTOR_FORBIDDEN' });
    expect(forbidden.body).toContain('may not call the metrics routes (its groups: ingest)');
    expect((await server.inject({ ...requests.ingest, headers: bearer(TOKENS.both) })).statusCode).toBe(403);

    expect((await server.inject({ ...requests.ingest, headers: bearer(TOKENS.ingest) })).statusCode).toBe(
      200,
    );
    const read = await server.inject({ ...requests.read, headers: bearer(TOKENS.both) });
    expect(read.json()).toMatchObject({ stations: [expect.objectContaining({ id_estacio: 'st-1' })] });
    expect((await server.inject({ ...requests.metrics, headers: bearer(TOKENS.both) })).statusCode).toBe(200);
    for (const url of ['/health', '/ready'])
      expect((await server.inject({ method: 'GET', url })).statusCode).toBe(200);
  });

  it('stop the process at start when an entry names an unknown group', async () => {
    await expect(start({ API_KEYS: `admin:${digest('x')}` })).rejects.toThrow(/unknown group "admin"/);
    expect(() => testConfig({ API_KEYS: 'ingest:not-a-digest' })).toThrow(/API_KEYS/);
  });
});

describe('rate limits (RATE_LIMIT_MAX)', () => {
  it('answer 429 with Retry-After beyond the limit, per key or per address, never on health checks', async () => {
    const server = await start({ API_KEYS, RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_MS: '60000' });
    const read = (headers: Record<string, string>) => server.inject({ ...requests.read, headers });
    expect((await read(bearer(TOKENS.both))).statusCode).toBe(200);
    expect((await read(bearer(TOKENS.both))).statusCode).toBe(200);
    const limited = await read(bearer(TOKENS.both));
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ code: 'EXECUTOR_RATE_LIMITED' });
    // Another key has its own allowance; made-up keys share their address's.
    expect((await server.inject({ ...requests.ingest, headers: bearer(TOKENS.ingest) })).statusCode).toBe(
      200,
    );
    expect((await read(bearer('guess-1'))).statusCode).toBe(401);
    expect((await read(bearer('guess-2'))).statusCode).toBe(401);
    expect((await read(bearer('guess-3'))).statusCode).toBe(429);
    for (let i = 0; i < 5; i++)
      expect((await server.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });
});
