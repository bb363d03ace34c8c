/**
 * A station worker thread: owns the stations of one shard (their detectors, state files and outbox deliveries)
 * and answers the event loop's calls (station-workers.ts) in the order they arrive; a station's calls all come
 * here, so they stay in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { StreamDetectorOptions } from '@outliers/core';
import type { Config } from '../config.js';
import { coreDetectorBackend } from '../detection/core-detector-backend.js';
import { readDetectionBlock } from '../detection/detection-block.js';
import { ExecutorError } from '../errors.js';
import { createLogger } from '../logger.js';
import { configuredDispatcher, configuredService, configuredStore } from './configured.js';
import { type Shard, shardOf } from './disk-station-store.js';
import type { DetectBlockReply, StationCall, StationReply } from './station-workers.js';

const { config, shard } = workerData as { config: Config; shard: Shard };
const logger = createLogger(config).child({ shard: shard.index });
const store = configuredStore(config, logger, shard);
const service = configuredService(config, store, coreDetectorBackend, logger, shard.count);
const dispatcher = configuredDispatcher(config, service, logger);
const port = parentPort!;

const calls = {
  initialize: (id: string, variables: [string, StreamDetectorOptions][]) =>
    service.initialize(id, new Map(variables)),
  detectBlock: async (body: string): Promise<DetectBlockReply> => {
    const block = readDetectionBlock(body);
    const owner = shardOf(block.id, shard.count);
    if (owner !== shard.index) return { rerouteTo: owner };
    const { outliers, skipped } = await service.detect(block.id, block.samples);
    return { outliers, skipped };
  },
  list: () => service.list(),
  describe: (id: string) => service.describe(id),
  history: (id: string, cursor: number, limit: number) => service.history(id, cursor, limit),
  close: async () => {
    await dispatcher?.close();
    await service.close();
    await store.close();
  },
} as const;

port.on('message', async ({ call, op, args }: StationCall) => {
  let reply: StationReply;
  try {
    const value = await (calls[op] as (...a: unknown[]) => Promise<unknown>)(...args);
    reply = { call, value, size: service.size };
  } catch (error) {
    if (!(error instanceof ExecutorError)) logger.error({ err: error, op }, 'station call failed');
    reply = {
      call,
      size: service.size,
      error:
        error instanceof ExecutorError
          ? { code: error.code, statusCode: error.statusCode, message: error.message }
          : { code: 'EXECUTOR_INTERNAL', statusCode: 500, message: 'Internal error' },
    };
  }
  port.postMessage(reply);
});

service.load().then(
  () => port.postMessage({ loaded: true, size: service.size }),
  (err: unknown) => {
    // The thread ends (process.exit in a worker ends only the worker); the event loop starts another, later.
    logger.fatal({ err }, 'station state could not be loaded');
    process.exit(1);
  },
);
