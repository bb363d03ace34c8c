/**
 * The CPU of one /detection block without HTTP, threads or deliveries: what a station thread does with it (read the
 * body, detect, write the state record and history to a disk store), run in this process on the build, 1,000 stations round robin. Far less noisy than the end-to-end bench, so a change to the block path
 * shows here first.
 *
 *   pnpm build && pnpm exec tsx bench/station-block.ts      (BENCH_STATIONS, BENCH_BLOCKS per station)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { StreamDetectorOptions } from '@outliers/core';
import { builtEntry, startFlags } from './executor-process.js';
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
const dir = await mkdtemp(join(tmpdir(), 'executor-bench-block-'));
try {
  const config = loadConfig({ STATE_DIR: dir, LOG_LEVEL: 'warn' });
  const logger = createLogger(config);
  const service = openStations(config, coreDetectorBackend, logger);
  await service.load();
  const variables = new Map<string, StreamDetectorOptions>(VARIABLES.map((v) => [v, { window: 64 }]));
  for (let s = 0; s < STATIONS; s++) await service.initialize(`station_${s}`, variables);

  /** CPU microseconds of `step` on block `b` of every station (bodies made outside the measure). */
  const measure = async (from: number, to: number, step: (text: string) => Promise<unknown>) => {
    let cpu = 0;
    let blocks = 0;
    for (let b = from; b < to; b++) {
      for (let s = 0; s < STATIONS; s++) {
        const text = detectionBody(s, b);
        const start = process.cpuUsage();
        await step(text);
        const used = process.cpuUsage(start);
        cpu += used.user + used.system;
        blocks++;
      }
    }
    return cpu / blocks;
  };
  const readDetectionBlock = detectionBlockReader(config);
  const apply = (text: string) => service.detect(new DetectionBlock(text, readDetectionBlock));
  await measure(0, WARMUP_BLOCKS, apply);
  const read = await measure(WARMUP_BLOCKS, WARMUP_BLOCKS + BLOCKS, async (text) => readDetectionBlock(text));
  const whole = await measure(WARMUP_BLOCKS, WARMUP_BLOCKS + BLOCKS, apply);
  await service.close();
  console.log(
    JSON.stringify(
      {
        scenario: `one /detection block in process (96 samples × ${VARIABLES.length} variables), ${STATIONS} stations, disk store, ${BLOCKS} blocks each`,
        readBlockUs: Math.round(read),
        readDetectWriteUs: Math.round(whole),
      },
      null,
      2,
    ),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
