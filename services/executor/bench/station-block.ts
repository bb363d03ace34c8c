/**
 * The CPU of one /detection block without HTTP, threads or deliveries: what a station thread does with it (read the
 * body, detect, commit the state record and history to the store), run in this process on the build, 1,000 stations round robin. Far less noisy than the end-to-end bench, so a change to the block path
 * shows here first. Run on the disk store and on the Redis store (a redis-server of its own), one after the other.
 *
 *   pnpm build && pnpm exec tsx bench/station-block.ts      (BENCH_STATIONS, BENCH_BLOCKS per station, BENCH_STORES)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { StreamDetectorOptions } from '@outliers/core';
import { randomPrefix, startRedis } from '@outliers/test-servers';
import { builtEntry, cpuSeconds, startFlags } from './executor-process.js';
import { detectionBody, VARIABLES } from './station-bodies.js';

/** A module of the build, typed by its source (the build is made from it and checked to be newer). */
function built<T>(path: string): Promise<T> {
  return import(new URL(`../dist/${path}`, import.meta.url).href) as Promise<T>;
}

const STATIONS = Number(process.env.BENCH_STATIONS ?? 1000);
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 5);
/** Blocks per station before the clock: JIT warm, forests fitted, history files created. */
const WARMUP_BLOCKS = 3;

builtEntry(); // refuses a build older than the sources
// The executor's V8 settings, as its start script passes them.
setFlagsFromString(startFlags().join(' '));
const { loadConfig } = await built<typeof import('../src/config.js')>('config.js');
const { coreDetectorBackend } = await built<typeof import('../src/detection/core-detector-backend.js')>(
  'detection/core-detector-backend.js',
);
const { DetectionBlock, detectionBlockReader } = await built<
  typeof import('../src/detection/detection-block.js')
>('detection/detection-block.js');
const { createLogger } = await built<typeof import('../src/logger.js')>('logger.js');
const { openStations } = await built<typeof import('../src/station/configured.js')>('station/configured.js');

/** Where the service keeps station state: STATE_DIR, or REDIS_URL (a redis-server of the benchmark's own). */
type Store = 'disk' | 'redis';

/** CPU (this process, and the redis-server's) and wall time per block on one store. */
async function blockCost(store: Store) {
  const dir = await mkdtemp(join(tmpdir(), 'executor-bench-block-'));
  const redis = store === 'redis' ? await startRedis() : undefined;
  try {
    const env: Record<string, string> = redis
      ? { REDIS_URL: redis.url, REDIS_PREFIX: `${randomPrefix()}:` }
      : { STATE_DIR: dir };
    const config = loadConfig({ ...env, LOG_LEVEL: 'warn' });
    const service = openStations(config, coreDetectorBackend, createLogger(config));
    await service.load();
    const variables = new Map<string, StreamDetectorOptions>(VARIABLES.map((v) => [v, { window: 64 }]));
    for (let s = 0; s < STATIONS; s++) await service.initialize(`station_${s}`, variables);

    /** Per block of `step` on blocks `from`..`to` of every station (bodies made outside the measure). */
    const measure = async (from: number, to: number, step: (text: string) => Promise<unknown>) => {
      let cpu = 0;
      let wall = 0;
      let blocks = 0;
      const redisBefore = redis ? cpuSeconds(redis.pid) : 0;
      for (let b = from; b < to; b++) {
        for (let s = 0; s < STATIONS; s++) {
          const text = detectionBody(s, b);
          const start = process.cpuUsage();
          const t0 = performance.now();
          await step(text);
          wall += performance.now() - t0;
          const used = process.cpuUsage(start);
          cpu += used.user + used.system;
          blocks++;
        }
      }
      const redisUs = redis ? ((cpuSeconds(redis.pid) - redisBefore) * 1e6) / blocks : undefined;
      return { cpuUs: Math.round(cpu / blocks), wallUs: Math.round((wall * 1000) / blocks), redisUs };
    };
    const readDetectionBlock = detectionBlockReader(config);
    const apply = (text: string) => service.detect(new DetectionBlock(text, readDetectionBlock));
    await measure(0, WARMUP_BLOCKS, apply);
    const read = await measure(WARMUP_BLOCKS, WARMUP_BLOCKS + BLOCKS, async (text) =>
      readDetectionBlock(text),
    );
    const whole = await measure(WARMUP_BLOCKS, WARMUP_BLOCKS + BLOCKS, apply);
    await service.close();
    return {
      scenario: `one /detection block in process (96 samples × ${VARIABLES.length} variables), ${STATIONS} stations, ${store} store, ${BLOCKS} blocks each`,
      readBlockUs: read.cpuUs,
      readDetectWriteUs: whole.cpuUs,
      // Wall time holds the Redis store's round trip (the commit); Redis's own CPU is read in 10 ms clock ticks.
      wallUs: whole.wallUs,
      ...(redis ? { redisCpuUs: Math.round(whole.redisUs ?? 0) } : {}),
    };
  } finally {
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

for (const store of (process.env.BENCH_STORES ?? 'disk,redis').split(',').filter(Boolean) as Store[]) {
  console.log(JSON.stringify(await blockCost(store), null, 2));
}
