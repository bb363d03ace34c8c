import { Worker } from 'node:worker_threads';
import type { StreamDetectorOptions } from '@outliers/core';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Config } from '../config.js';
import type { BlockResult } from '../detection/detect-station-stream.js';
import { scanStationId } from '../detection/detection-block.js';
import { ExecutorError, stateNotReady } from '../errors.js';
import { workerEntry } from '../worker-entry.js';
import { shardOf } from './disk-station-store.js';
import type { StationSummary } from './station-state.js';
import type { HistoryPage } from './station-store.js';
import type { StationDescription, Stations } from './stations.js';

/** A call to a station worker, and its reply (`size`: the worker's station count after it). */
export interface StationCall {
  call: number;
  op: 'initialize' | 'detectBlock' | 'list' | 'describe' | 'history' | 'close';
  args: unknown[];
}
/** A thread's answer to detectBlock: the block's result, or the shard that owns the station (see scanStationId). */
export type DetectBlockReply = Pick<BlockResult, 'outliers' | 'skipped'> | { rerouteTo: number };
export type StationReply =
  | { call: number; size: number; value: unknown }
  | { call: number; size: number; error: { code: string; statusCode: number; message: string } };

/** A worker thread and what the event loop knows of it. */
interface ShardThread {
  worker: Worker;
  size: number;
  loaded: boolean;
  waiting: Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>;
}

/**
 * The stations in worker threads (station-worker.ts), each thread owning the stations whose id hashes to its shard:
 * their detectors, state files and outbox deliveries. The event loop only parses, validates and routes, so blocks
 * of different stations are detected and persisted on several cores; a station's calls all go to one thread, in
 * order. Same behaviour as one StationService: the same store format (a restart may change the worker count), the
 * same errors.
 */
export class StationWorkers implements Stations {
  private readonly shards: ShardThread[];
  private nextCall = 0;
  private readonly loadedAll: Promise<void>;
  private closing = false;

  constructor(config: Config, count: number, logger: Logger) {
    const { url, execArgv } = workerEntry('station-worker', import.meta.url);
    let loaded = 0;
    let markLoaded!: () => void;
    this.loadedAll = new Promise((resolve) => {
      markLoaded = resolve;
    });
    this.shards = Array.from({ length: count }, (_, index) => {
      const worker = new Worker(url, {
        workerData: { config, shard: { index, count } },
        ...(execArgv ? { execArgv } : {}),
      });
      const shard: ShardThread = { worker, size: 0, loaded: false, waiting: new Map() };
      worker.on('message', (message: StationReply | { loaded: boolean; size: number }) => {
        shard.size = message.size;
        if ('loaded' in message) {
          shard.loaded = message.loaded;
          if (message.loaded && ++loaded === count) markLoaded();
          return;
        }
        const waiting = shard.waiting.get(message.call);
        shard.waiting.delete(message.call);
        if ('error' in message) {
          const { code, statusCode, message: text } = message.error;
          waiting?.reject(new ExecutorError(code, statusCode, text));
        } else waiting?.resolve(message.value);
      });
      // A dead thread takes its shard's stations with it: fail what waits, and stay not ready.
      worker.on('error', (err) => logger.fatal({ err, shard: index }, 'station worker failed'));
      worker.on('exit', (code) => {
        shard.loaded = false;
        for (const { reject } of shard.waiting.values()) reject(stateNotReady());
        shard.waiting.clear();
        if (!this.closing) logger.fatal({ code, shard: index }, 'station worker exited');
      });
      return shard;
    });
  }

  get ready(): boolean {
    return this.shards.every((s) => s.loaded);
  }

  get size(): number {
    return this.shards.reduce((sum, s) => sum + s.size, 0);
  }

  load(): Promise<void> {
    return this.loadedAll;
  }

  async initialize(id: string, variables: ReadonlyMap<string, StreamDetectorOptions>): Promise<void> {
    await this.call(this.shardFor(id), 'initialize', id, [...variables]);
  }

  /**
   * Sends the body's text to the thread of its station (found by scanStationId, or by parsing when the scan cannot
   * tell; a body without an id goes to any thread, which answers its 400), which reads, checks and applies it.
   */
  async detectBlock(body: string): Promise<Pick<BlockResult, 'outliers' | 'skipped'>> {
    const id = scanStationId(body) ?? parsedStationId(body);
    const first = id === undefined ? this.shards[0]! : this.shardFor(id);
    const reply = (await this.call(first, 'detectBlock', body)) as DetectBlockReply;
    if (!('rerouteTo' in reply)) return reply;
    // The owner of the id the thread read applies the block (it never reroutes).
    return this.call(this.shards[reply.rerouteTo]!, 'detectBlock', body) as Promise<
      Pick<BlockResult, 'outliers' | 'skipped'>
    >;
  }

  async list(): Promise<StationSummary[]> {
    const lists = await Promise.all(this.shards.map((s) => this.call(s, 'list')));
    return (lists as StationSummary[][]).flat();
  }

  describe(id: string): Promise<StationDescription | undefined> {
    return this.call(this.shardFor(id), 'describe', id) as Promise<StationDescription | undefined>;
  }

  history(id: string, cursor: number, limit: number): Promise<HistoryPage | undefined> {
    return this.call(this.shardFor(id), 'history', id, cursor, limit) as Promise<HistoryPage | undefined>;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.shards.map(async (s) => {
        await this.call(s, 'close').catch(() => undefined);
        await s.worker.terminate();
      }),
    );
  }

  private shardFor(id: string): ShardThread {
    return this.shards[shardOf(id, this.shards.length)]!;
  }

  private call(shard: ShardThread, op: StationCall['op'], ...args: unknown[]): Promise<unknown> {
    const call = this.nextCall++;
    return new Promise((resolve, reject) => {
      shard.waiting.set(call, { resolve, reject });
      shard.worker.postMessage({ call, op, args } satisfies StationCall);
    });
  }
}

/** The body's `id_estacio` when it is JSON with a string there; undefined otherwise. */
function parsedStationId(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { id_estacio?: unknown } | null)?.id_estacio;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
