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
  index: number;
  /** Null while the thread is down, between its exit and its replacement. */
  worker: Worker | null;
  size: number;
  loaded: boolean;
  /** Replacements since the thread last loaded its stations: the next one waits longer (see RESTART_BASE_MS). */
  restarts: number;
  waiting: Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>;
}

/** A dead thread is replaced after RESTART_BASE_MS * 2^restarts, at most RESTART_MAX_MS (one that dies loading). */
const RESTART_BASE_MS = 100;
const RESTART_MAX_MS = 30_000;

/**
 * The stations in worker threads (station-worker.ts), each thread owning the stations whose id hashes to its shard:
 * their detectors, state files and outbox deliveries. The event loop only parses, validates and routes, so blocks
 * of different stations are detected and persisted on several cores; a station's calls all go to one thread, in
 * order. Same behaviour as one StationService: the same store format (a restart may change the worker count), the
 * same errors. A thread that dies is replaced and reloads its stations from disk; meanwhile their calls get 503.
 */
export class StationWorkers implements Stations {
  private readonly shards: ShardThread[];
  private readonly entry = workerEntry('station-worker', import.meta.url);
  private nextCall = 0;
  private readonly loadedAll: Promise<void>;
  private markLoaded!: () => void;
  private closing = false;

  constructor(
    private readonly config: Config,
    private readonly count: number,
    private readonly logger: Logger,
  ) {
    this.loadedAll = new Promise((resolve) => {
      this.markLoaded = resolve;
    });
    this.shards = Array.from({ length: count }, (_, index) => ({
      index,
      worker: null,
      size: 0,
      loaded: false,
      restarts: 0,
      waiting: new Map(),
    }));
    for (const shard of this.shards) this.start(shard);
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
        await s.worker?.terminate();
      }),
    );
  }

  private shardFor(id: string): ShardThread {
    return this.shards[shardOf(id, this.shards.length)]!;
  }

  private call(shard: ShardThread, op: StationCall['op'], ...args: unknown[]): Promise<unknown> {
    const worker = shard.worker;
    if (!worker) return Promise.reject(stateNotReady());
    const call = this.nextCall++;
    return new Promise((resolve, reject) => {
      shard.waiting.set(call, { resolve, reject });
      worker.postMessage({ call, op, args } satisfies StationCall);
    });
  }

  private start(shard: ShardThread): void {
    const { url, execArgv } = this.entry;
    const worker = new Worker(url, {
      workerData: { config: this.config, shard: { index: shard.index, count: this.count } },
      ...(execArgv ? { execArgv } : {}),
    });
    shard.worker = worker;
    worker.on('message', (message: StationReply | { loaded: true; size: number }) => {
      shard.size = message.size;
      if ('loaded' in message) {
        shard.loaded = true;
        shard.restarts = 0;
        if (this.shards.every((s) => s.loaded)) this.markLoaded();
        return;
      }
      const waiting = shard.waiting.get(message.call);
      shard.waiting.delete(message.call);
      if ('error' in message) {
        const { code, statusCode, message: text } = message.error;
        waiting?.reject(new ExecutorError(code, statusCode, text));
      } else waiting?.resolve(message.value);
    });
    worker.on('error', (err) => this.logger.error({ err, shard: shard.index }, 'station worker failed'));
    worker.on('exit', (code) => {
      shard.worker = null;
      shard.loaded = false;
      // What it was doing is unanswered: the clients re-send (a block already applied is then skipped as stale).
      for (const { reject } of shard.waiting.values()) reject(stateNotReady());
      shard.waiting.clear();
      if (this.closing) return;
      // Its stations are on disk: a new thread reloads them.
      const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** shard.restarts++);
      this.logger.error(
        { code, shard: shard.index, restartInMs: delay },
        'station worker exited; replacing it',
      );
      setTimeout(() => {
        if (!this.closing) this.start(shard);
      }, delay).unref();
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
