/**
 * Which store the configuration selects, and a Redis that cannot be reached at start: REDIS_URL alone is the Redis
 * store (two apps on one Redis serve each other's stations), both REDIS_URL and STATE_DIR are refused, and an
 * unreachable REDIS_URL stops the process with one line naming it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, type RedisServer, randomPrefix, startRedis } from '@outliers/test-servers';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { exited } from './support/child-executor.js';
import { block, startApp, testConfig, timestamps } from './support/helpers.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

describe('store configuration', () => {
  it('refuses REDIS_URL beside STATE_DIR, naming both; either alone is accepted', () => {
    expect(() => loadConfig({ REDIS_URL: redis.url, STATE_DIR: '/tmp/state' })).toThrow(
      /Invalid configuration: REDIS_URL, STATE_DIR: station state goes to one store/,
    );
    expect(loadConfig({ REDIS_URL: redis.url }).REDIS_URL).toBe(redis.url);
    expect(loadConfig({ STATE_DIR: '/tmp/state' }).REDIS_URL).toBeUndefined();
    expect(() => loadConfig({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(/REDIS_URL/);
  });

  it('starts on Redis with REDIS_URL alone: a station created on one app is served by another', async () => {
    const prefix = `${randomPrefix()}:`;
    const env = { REDIS_URL: redis.url, REDIS_PREFIX: prefix, METRIC_WORKERS: '0' };
    const apps: FastifyInstance[] = [
      await startApp(testConfig({ ...env, STATION_WORKERS: '2' })),
      await startApp(testConfig({ ...env, STATION_WORKERS: '0' })),
    ];
    const reader = new Redis(redis.url);
    try {
      const [a, b] = apps as [FastifyInstance, FastifyInstance];
      const init = await a.inject({
        method: 'POST',
        url: '/initialize',
        payload: { id_estacio: 'st_1', variables: { v: 8 } },
      });
      expect(init.statusCode).toBe(200);
      expect(await reader.hkeys(`${prefix}stations`)).toEqual(['st_1']);
      // `b` started before the station existed: it looks the id up in Redis rather than answering 404.
      const t = timestamps(8);
      const res = await b.inject({
        method: 'POST',
        url: '/detection',
        payload: block('st_1', t, { v: t.map(() => 1) }),
      });
      expect(res.statusCode).toBe(200);
      const listed = await a.inject({ method: 'GET', url: '/stations' });
      expect(listed.json()).toMatchObject({ total: 1, stations: [{ id_estacio: 'st_1', blocks: 1 }] });
      expect(
        (
          await b.inject({
            method: 'POST',
            url: '/detection',
            payload: block('nobody', t, { v: t.map(() => 1) }),
          })
        ).statusCode,
      ).toBe(404);
      expect((await a.inject({ method: 'GET', url: '/ready' })).json()).toMatchObject({ status: 'ready' });
    } finally {
      reader.disconnect();
      for (const app of apps) await app.close();
    }
  });
});

describe('a Redis that cannot be reached at start', () => {
  it('fails buildApp with an error naming REDIS_URL', async () => {
    const port = await freePort();
    const config = testConfig({ REDIS_URL: `redis://:secret@127.0.0.1:${port}`, REDIS_TIMEOUT_MS: '500' });
    await expect(buildApp(config, { logger: pino({ level: 'silent' }) })).rejects.toThrow(
      new RegExp(`^REDIS_URL redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/? cannot be reached: `),
    );
  });

  it('ends the process with a non-zero code and one line on stderr', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'src/server.ts'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        REDIS_URL: `redis://127.0.0.1:${port}`,
        STATE_DIR: '',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    expect(await exited(child)).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          `^executor failed to start: REDIS_URL redis://127\\.0\\.0\\.1:${port}/? cannot be reached: `,
        ),
      ),
    ]);
  });
});
