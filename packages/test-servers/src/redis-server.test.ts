import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { startRedis } from './redis-server.js';

async function afterRestart(appendOnlyDir?: string): Promise<string | null> {
  const server = await startRedis({ appendOnlyDir });
  const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: null });
  try {
    await client.connect();
    await client.set('k', 'kept');
    await server.restart();
    return await client.get('k');
  } finally {
    client.disconnect();
    await server.stop();
  }
}

it('loses its data on a restart without persistence, and keeps it with an append-only file', async () => {
  expect(await afterRestart()).toBeNull();
  const dir = await mkdtemp(join(tmpdir(), 'redis-aof-'));
  try {
    expect(await afterRestart(dir)).toBe('kept');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
