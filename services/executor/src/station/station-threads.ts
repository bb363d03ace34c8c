/**
 * Routing of station calls to worker threads: which thread owns a station (its shard), the calls and their answers
 * in both directions, and the replacement of a thread that dies. The stations themselves (StationService) know
 * nothing of threads: a thread serves the one it owns with `serveStations`.
 */
import { getHeapStatistics } from 'node:v8';
import { type MessagePort, Worker } from 'node:worker_threads';
import type { StreamDetectorOptions } from '@outliers/core';
import type { FastifyBaseLogger as Logger } from 'fastify';
import type { Config } from '../config.js';
import { type BlockReader, DetectionBlock } from '../detection/detection-block.js';
import { ExecutorError, stateNotReady } from '../errors.js';
import {
  admitBlock,
  type DeliveryBounds,
  deliveryBounds,
  type RefusedBlocks,
} from '../outbox/delivery-bounds.js';
import { workerEntry } from '../worker-entry.js';
import { stationKey } from './station-key.js';
import type { StationSummary } from './station-state.js';
import { type StationStats, sumStats } from './station-stats.js';
import type { HistoryPage } from './station-store.js';
import type { BlockOutcome, StationDescription, Stations } from './stations.js';

/** One of `count` disjoint parts of the stations; a station's part follows from its key (`shardOfKey`). */
export interface Shard {
  index: number;
  count: number;
}

/** The shard, among `count`, of the station whose stationKey is `key`. */
export function shardOfKey(key: string, count: number): number {
  return Number.parseInt(key.slice(0, 8), 16) % count;
}

export function shardOf(id: string, count: number): number {
  return shardOfKey(stationKey(id), count);
}

/** What a station thread is started with. */
export interface StationThreadData {
  config: Config;
  shard: Shard;
  /** The detectors' module (see loadDetectorBackend); default @outliers/core's. */
  detectors?: string;
}

/** The calls a thread answers: the Stations methods but `load` (a thread loads at start and says when it is done). */
type StationCalls = Omit<Stations, 'ready' | 'size' | 'pendingDeliveries' | 'load'>;
type Op = keyof StationCalls;
/** The arguments of each call as sent: a block's text (read in the thread), the others as they are. */
type Args = Omit<{ [K in Op]: Parameters<StationCalls[K]> }, 'detect'> & { detect: [text: string] };
/**
 * The answer to each call: a block's outcome, or the shard of the station the thread read in it when that is not
 * the thread's own (a body that fooled the scan: see DetectionBlock.station); the others as they are.
 */
type Answers = Omit<{ [K in Op]: Awaited<ReturnType<StationCalls[K]>> }, 'detect'> & {
  detect: BlockOutcome | { rerouteTo: number };
};
type Call = { [K in Op]: { call: number; op: K; args: Args[K] } }[Op];
type Answer<K extends Op> = Answers[K];
/** A failed call's answer: the ExecutorError's fields. */
type Failure = Pick<ExecutorError, 'code' | 'statusCode' | 'message' | 'retryAfter'>;
/**
 * A thread's messages; each carries its station count and undelivered entries, which a thread also reports by
 * themselves when they change (`report`), so the event loop's total follows deliveries between calls.
 */
type ThreadMessage = { size: number; pending: number } & (
  | { loaded: true }
  | { report: true }
  | { call: number; value: Answer<Op> }
  | { call: number; error: Failure }
);

/** A worker thread and what the event loop knows of it. */
interface ShardThread {
  index: number;
  /** Null while the thread is down, between its exit and its replacement. */
  worker: Worker | null;
  size: number;
  /** Its undelivered outbox entries, as last reported (kept while it is down: they are on disk). */
  pending: number;
  loaded: boolean;
  /** Replacements since the thread last loaded its stations: the next one waits longer (see RESTART_BASE_MS). */
  restarts: number;
  waiting: Map<number, { resolve: (value: Answer<Op>) => void; reject: (error: Error) => void }>;
}

/** A dead thread is replaced after RESTART_BASE_MS * 2^restarts, at most RESTART_MAX_MS (one that dies loading). */
const RESTART_BASE_MS = 100;
const RESTART_MAX_MS = 30_000;
/** How often a thread reports a change of its undelivered entries (the total bound's and /ready's staleness). */
export const PENDING_REPORT_MS = 100;

/**
 * The stations in `count` worker threads (station-thread.ts), each owning the stations of its shard: their
 * detectors, state files and outbox deliveries. Blocks of different stations are detected and persisted on several
 * cores; a station's calls all go to one thread, in order. Same behaviour as one StationService: the same store
 * format (a restart may change the thread count), the same errors. A thread that dies is replaced and reloads its
 * stations from disk; meanwhile their calls get 503.
 */
export class StationThreads implements Stations {
  private readonly shards: ShardThread[];
  private readonly entry = workerEntry('station-thread', import.meta.url);
  private nextCall = 0;
  private readonly loadedAll: Promise<void>;
  private markLoaded!: () => void;
  private closing = false;
  private readonly bounds: DeliveryBounds | undefined;
  /** Blocks refused here, by the total bound over every thread (a thread counts its own refusals). */
  private readonly refused: RefusedBlocks = { station: 0, total: 0 };

  constructor(
    private readonly data: Omit<StationThreadData, 'shard'>,
    count: number,
    private readonly logger: Logger,
  ) {
    this.loadedAll = new Promise((resolve) => {
      this.markLoaded = resolve;
    });
    this.shards = Array.from({ length: count }, (_, index) => ({
      index,
      worker: null,
      size: 0,
      pending: 0,
      loaded: false,
      restarts: 0,
      waiting: new Map(),
    }));
    this.bounds = deliveryBounds(data.config);
    for (const shard of this.shards) this.start(shard);
  }

  get ready(): boolean {
    return this.shards.every((s) => s.loaded);
  }

  get size(): number {
    return this.shards.reduce((sum, s) => sum + s.size, 0);
  }

  get pendingDeliveries(): number {
    return this.shards.reduce((sum, s) => sum + s.pending, 0);
  }

  load(): Promise<void> {
    return this.loadedAll;
  }

  initialize(id: string, variables: ReadonlyMap<string, StreamDetectorOptions>): Promise<void> {
    return this.call(this.shardFor(id), 'initialize', id, variables);
  }

  /** Sends the block's text to the thread of the station it names (any thread when none: it answers the 400). */
  async detect(block: DetectionBlock): Promise<BlockOutcome> {
    // The total bound holds across threads here; each thread checks its stations' own bound.
    if (this.bounds) admitBlock(this.bounds, this.refused, this.pendingDeliveries);
    const station = block.station;
    // The owner of the station a thread read applies the block: it never answers with another shard.
    for (let shard = station === undefined ? this.shards[0]! : this.shardFor(station); ; ) {
      const answer = await this.call(shard, 'detect', block.text);
      if (!('rerouteTo' in answer)) return answer;
      shard = this.shards[answer.rerouteTo]!;
    }
  }

  async list(): Promise<StationSummary[]> {
    return (await Promise.all(this.shards.map((s) => this.call(s, 'list')))).flat();
  }

  /** Every thread's figures, asked now; a thread that does not answer is counted down. */
  async stats(): Promise<StationStats> {
    const down = { ...sumStats([]), threadsDown: 1 };
    const parts = await Promise.all(this.shards.map((s) => this.call(s, 'stats').catch(() => down)));
    const sum = sumStats(parts);
    sum.refused.station += this.refused.station;
    sum.refused.total += this.refused.total;
    return sum;
  }

  describe(id: string): Promise<StationDescription | undefined> {
    return this.call(this.shardFor(id), 'describe', id);
  }

  history(id: string, cursor: number, limit: number): Promise<HistoryPage | undefined> {
    return this.call(this.shardFor(id), 'history', id, cursor, limit);
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

  private call<K extends Op>(shard: ShardThread, op: K, ...args: Args[K]): Promise<Answer<K>> {
    const worker = shard.worker;
    if (!worker) return Promise.reject(stateNotReady());
    const call = this.nextCall++;
    return new Promise<Answer<K>>((resolve, reject) => {
      // The thread answers call `call` with what `op` returns (serveStations).
      shard.waiting.set(call, { resolve: resolve as (value: Answer<Op>) => void, reject });
      worker.postMessage({ call, op, args });
    });
  }

  private start(shard: ShardThread): void {
    const { url, execArgv } = this.entry;
    const workerData: StationThreadData = {
      ...this.data,
      shard: { index: shard.index, count: this.shards.length },
    };
    const worker = new Worker(url, { workerData, ...(execArgv ? { execArgv } : {}) });
    shard.worker = worker;
    worker.on('message', (message: ThreadMessage) => {
      shard.size = message.size;
      shard.pending = message.pending;
      if ('report' in message) return;
      if ('loaded' in message) {
        shard.loaded = true;
        shard.restarts = 0;
        if (this.ready) this.markLoaded();
        return;
      }
      const waiting = shard.waiting.get(message.call);
      shard.waiting.delete(message.call);
      if ('error' in message) {
        const { code, statusCode, message: text, retryAfter } = message.error;
        waiting?.reject(new ExecutorError(code, statusCode, text, retryAfter));
      } else waiting?.resolve(message.value);
    });
    worker.on('error', (err) => this.logger.error({ err, shard: shard.index }, 'station thread failed'));
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
        'station thread exited; replacing it',
      );
      setTimeout(() => {
        if (!this.closing) this.start(shard);
      }, delay).unref();
    });
  }
}

/**
 * Runs in the station thread of `shard`: loads `stations` (the shard's), tells the event loop when they are loaded
 * (or ends the thread when they cannot be: the event loop starts another, later), then answers its calls in the
 * order they arrive. Blocks are read here with `read`, so their 400s (limits included) come from the thread.
 */
export function serveStations(
  port: MessagePort,
  stations: Stations,
  shard: Shard,
  read: BlockReader,
  logger: Logger,
): void {
  let reported = 0;
  const post = (message: DistributiveOmit<ThreadMessage, 'size' | 'pending'>) => {
    reported = stations.pendingDeliveries;
    port.postMessage({ ...message, size: stations.size, pending: reported });
  };
  port.on('message', async (message: Call) => {
    try {
      post({ call: message.call, value: await apply(stations, shard, read, message) });
    } catch (error) {
      if (!(error instanceof ExecutorError))
        logger.error({ err: error, op: message.op }, 'station call failed');
      post({ call: message.call, error: failure(error) });
    }
  });
  setInterval(() => {
    if (stations.pendingDeliveries !== reported) post({ report: true });
  }, PENDING_REPORT_MS).unref();
  stations.load().then(
    () => post({ loaded: true }),
    (err: unknown) => {
      logger.fatal({ err }, 'station state could not be loaded');
      // In a worker, process.exit ends only the thread.
      process.exit(1);
    },
  );
}

/** A failed call's answer: an ExecutorError as it is (its status and message answer the request), else a 500. */
function failure(error: unknown): Failure {
  const { code, statusCode, message, retryAfter } =
    error instanceof ExecutorError ? error : new ExecutorError('EXECUTOR_INTERNAL', 500, 'Internal error');
  return retryAfter === undefined ? { code, statusCode, message } : { code, statusCode, message, retryAfter };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function apply(stations: StationCalls, shard: Shard, read: BlockReader, message: Call): Promise<Answer<Op>> {
  switch (message.op) {
    case 'initialize':
      return stations.initialize(...message.args);
    case 'detect':
      return detectOwn(stations, shard, new DetectionBlock(...message.args, read));
    case 'list':
      return stations.list();
    case 'describe':
      return stations.describe(...message.args);
    case 'history':
      return stations.history(...message.args);
    case 'stats':
      return threadStats(stations, shard);
    case 'close':
      return stations.close();
  }
}

/** The thread's figures, with its own heap (an isolate of its own, which the event loop's metrics do not see). */
async function threadStats(stations: StationCalls, shard: Shard): Promise<StationStats> {
  const stats = await stations.stats();
  return { ...stats, threads: [{ thread: shard.index, heapUsedBytes: getHeapStatistics().used_heap_size }] };
}

/** Applies the block when its station is the shard's own; otherwise answers the owner's shard. */
async function detectOwn(
  stations: StationCalls,
  shard: Shard,
  block: DetectionBlock,
): Promise<Answer<'detect'>> {
  const owner = shardOf(block.id, shard.count);
  return owner === shard.index ? stations.detect(block) : { rerouteTo: owner };
}
