import { InvalidInputError, type StreamDetector, type StreamDetectorOptions } from '@outliers/core';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { type BlockResult, detectStationStream } from '../detection/detect-station-stream.js';
import type { DetectionBlock } from '../detection/detection-block.js';
import { type DetectorBackend, initializeStation } from '../detection/initialize-station.js';
import { stateNotReady, stateUnavailable, stateWriteFailed, stationNotInitialized } from '../errors.js';
import {
  admitBlock,
  type BlockRefusal,
  type DeliveryBounds,
  type RefusedBlocks,
  refuseBlock,
} from '../outbox/delivery-bounds.js';
import type { OutboxDispatcher, OutboxSource } from '../outbox/outbox-dispatcher.js';
import { PendingDeliveries } from '../outbox/pending-deliveries.js';
import { KeyedSerialQueue } from './keyed-serial-queue.js';
import {
  fromRecord,
  type HistoryEntry,
  type OutboxEntry,
  type Station,
  type StationSummary,
  toRecord,
  type VariableRecord,
} from './station-state.js';
import { noDeliveries, type StationStats } from './station-stats.js';
import type { HistoryPage, StationStore } from './station-store.js';
import { type BlockOutcome, describeStation, type StationDescription, type Stations } from './stations.js';

/** Where a block's outbox entries go once committed; without a sink no outbox entries are made. */
export type OutboxSink =
  /**
   * Entries stay in the station (and its record) until this dispatcher, made for the service it reads from, has
   * delivered them. Owned: closed with the service.
   */
  | { kind: 'dispatcher'; dispatcher: (source: OutboxSource) => OutboxDispatcher }
  /** The store's commit appends them to an outbox shared by every executor (a Redis stream), delivered elsewhere. */
  | { kind: 'store' };

/** A change is applied again after a conflict at most this many times in a row, then answered 503. */
export const MAX_COMMIT_ATTEMPTS = 8;

export interface StationServiceOptions {
  /** Owned: closed with the service. */
  store: StationStore;
  backend: DetectorBackend;
  logger: Logger;
  outbox?: OutboxSink;
  /**
   * Beyond these undelivered entries blocks are refused: before they are applied with a dispatcher, by the store's
   * commit with a store sink.
   */
  bounds?: DeliveryBounds;
  /** How long delivered entries may wait before their removal is written (unless a block writes it first). */
  ackFlushMs: number;
  /** Stations kept in memory with their detectors; beyond it the least recently used idle ones are dropped. 0: all. */
  maxResident: number;
  now?: () => Date;
}

/**
 * The stations. Every station is known by its summary (read from the store at startup without its detectors); a
 * station's detectors are restored on first use and kept in memory up to `maxResident` stations, least recently
 * used dropped first, and only when idle: nothing queued for it, its state written, nothing left to deliver. Every
 * change is persisted through the StationStore before it is answered, so a dropped station loses nothing.
 * Requests for one station run one at a time in arrival order; stations run in parallel.
 * A change is committed only if the store still holds the version it was applied to; otherwise (a shared store,
 * another executor committed first) the station is reloaded and the change applied again to the newest state.
 */
export class StationService implements Stations, OutboxSource {
  /** Every station. */
  private readonly index = new Map<string, StationSummary>();
  /** Stations in memory, least recently used first. */
  private readonly resident = new Map<string, Station>();
  private readonly queue = new KeyedSerialQueue();
  /** Stations whose outbox changed (deliveries) since their last write, with the time of the first change. */
  private readonly dirty = new Map<string, number>();
  private readonly dispatcher: OutboxDispatcher | undefined;
  private readonly pending = new PendingDeliveries();
  private readonly refused: RefusedBlocks = { station: 0, total: 0 };
  private flushTimer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  private loaded = false;
  private readonly now: () => Date;

  constructor(private readonly options: StationServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.dispatcher = options.outbox?.kind === 'dispatcher' ? options.outbox.dispatcher(this) : undefined;
  }

  get ready(): boolean {
    return this.loaded;
  }

  /** Number of stations (in memory or not). */
  get size(): number {
    return this.index.size;
  }

  /** Stations whose detectors are in memory. */
  get residentCount(): number {
    return this.resident.size;
  }

  /** Undelivered outbox entries of every station. */
  get pendingDeliveries(): number {
    return this.pending.total;
  }

  async stats(): Promise<StationStats> {
    return {
      stations: this.index.size,
      resident: this.resident.size,
      pendingDeliveries: this.pending.total,
      deliveries: { ...(this.dispatcher?.counts ?? noDeliveries()) },
      refused: { ...this.refused },
      threads: [],
      threadsDown: 0,
    };
  }

  /**
   * Reads the summaries of every stored station; idempotent. Requests wait for it. Stations with undelivered
   * outbox entries are then restored in the background so their deliveries resume.
   */
  load(): Promise<void> {
    this.loading ??= (async () => {
      for (const summary of await this.options.store.loadIndex()) {
        this.index.set(summary.id, summary);
        this.pending.set(summary.id, summary.outboxPending);
      }
      this.loaded = true;
      this.options.logger.info({ stations: this.index.size }, 'station index loaded');
      for (const summary of this.index.values()) {
        if (summary.outboxPending === 0) continue;
        this.queue
          .run(summary.id, () => this.residentStation(summary.id))
          .catch((err: unknown) =>
            this.options.logger.error({ err, station: summary.id }, 'station with deliveries not restored'),
          );
      }
      this.flushTimer = setInterval(() => void this.flushDelivered(false), this.options.ackFlushMs);
      this.flushTimer.unref();
    })();
    return this.loading;
  }

  async initialize(id: string, variables: ReadonlyMap<string, StreamDetectorOptions>): Promise<void> {
    await this.whenLoaded();
    await this.queue.run(id, async () => {
      for (let attempt = 1; ; attempt++) {
        const current = await this.residentStation(id);
        // A station the store holds but could not restore is replaced at the version it holds.
        const version = current?.version ?? (await this.read(id, () => this.options.store.version(id)));
        const station = initializeStation(current, id, variables, this.options.backend, this.now());
        station.version = version;
        if (await this.commit(station, [], [], attempt)) return;
      }
    });
  }

  /**
   * Applies one block and persists state, outbox entries and history before resolving. After a conflict the block
   * is applied again to the newest state: samples another executor already applied are then stale and skipped.
   */
  async detect({ id, samples }: DetectionBlock): Promise<BlockOutcome> {
    await this.whenLoaded();
    return this.queue.run(id, async () => {
      for (let attempt = 1; ; attempt++) {
        const station = await this.residentStation(id);
        if (!station) throw stationNotInitialized(id);
        // Refused before anything changes: the client re-sends the same block later.
        const bounds = this.dispatcher && this.options.bounds;
        if (bounds)
          admitBlock(bounds, this.refused, this.pending.total, { id, pending: station.outbox.length });
        const result = detectStationStream(station, samples);
        station.updatedAt = this.now().toISOString();
        const entries = this.options.outbox ? this.outboxEntries(station, result) : [];
        // A shared outbox is bounded by the commit itself (the store counts every executor's entries).
        const shared = this.options.outbox?.kind === 'store' ? this.options.bounds : undefined;
        if (!(await this.commit(station, result.history, entries, attempt, shared))) continue;
        if (this.dispatcher && entries.length > 0) {
          station.outbox.push(...entries);
          this.pending.set(id, station.outbox.length);
          this.dispatcher.notify(id);
        }
        return { outliers: result.outliers, skipped: result.skipped };
      }
    });
  }

  /** Summaries of every station: in first-seen order, or as a shared store lists them. */
  async list(): Promise<StationSummary[]> {
    await this.whenLoaded();
    if (!this.options.store.shared) return [...this.index.values()];
    return this.read('(index)', () => this.options.store.loadIndex());
  }

  async describe(id: string): Promise<StationDescription | undefined> {
    const station = await this.get(id);
    return station && describeStation(station);
  }

  /**
   * A station with its detectors (restored if needed), after the requests queued before this call; from a shared
   * store, the newest committed state (a station in memory is reloaded when another executor changed it).
   */
  async get(id: string): Promise<Station | undefined> {
    await this.whenLoaded();
    const { store } = this.options;
    if (!store.shared && !this.index.has(id)) return undefined;
    return this.queue.run(id, async () => {
      const cached = store.shared ? this.resident.get(id) : undefined;
      if (cached && (await this.read(id, () => store.version(id))) !== cached.version)
        this.resident.delete(id);
      return this.residentStation(id);
    });
  }

  async history(id: string, cursor: number, limit: number): Promise<HistoryPage | undefined> {
    // The committed history length comes from the restored station (a summary may be one torn write ahead).
    const station = await this.get(id);
    if (!station) return undefined;
    return this.read(id, () => this.options.store.readHistory(id, cursor, limit, station.historyNext));
  }

  /** The oldest undelivered entry of a station (stations with entries stay in memory). */
  nextOutboxEntry(id: string): OutboxEntry | undefined {
    return this.resident.get(id)?.outbox[0];
  }

  /** Marks an entry delivered; its removal is written with the next block or flush. */
  acknowledgeOutboxEntry(id: string, seq: number): void {
    const station = this.resident.get(id);
    if (station?.outbox[0]?.seq !== seq) return;
    station.outbox.shift();
    this.pending.set(id, station.outbox.length);
    if (!this.dirty.has(id)) this.dirty.set(id, Date.now());
  }

  /**
   * Stops deliveries, waits for queued requests, writes the delivery acknowledgements still pending and closes the
   * store.
   */
  async close(): Promise<void> {
    await this.dispatcher?.close();
    clearInterval(this.flushTimer);
    await this.queue.drain();
    await this.flushDelivered(true);
    await this.options.store.close();
  }

  private async whenLoaded(): Promise<void> {
    if (this.loaded) return;
    if (!this.loading) throw stateNotReady();
    // A state directory that cannot be read is unavailable state, not a bug of the request (logged where loaded).
    await this.loading.catch(() => {
      throw stateNotReady();
    });
  }

  /**
   * A detector whose saved state this release cannot read (core rejects older state formats with InvalidInputError)
   * starts afresh from the variable's stored options, so an upgrade never makes a station unknown; the station's
   * counters, last timestamp (re-sends stay ignored), outbox and history are kept. Other errors stay fatal.
   */
  private restart(station: string, variable: string, v: VariableRecord, error: unknown): StreamDetector {
    if (!(error instanceof InvalidInputError)) throw error;
    this.options.logger.warn(
      { err: error, station, variable, unscored: v.pending.length },
      'detector state not restorable by this release; detector restarted from its options',
    );
    return this.options.backend.create(v.options);
  }

  /**
   * The station in memory, restored from the store if it is not; undefined if unknown (or unrestorable, which is
   * logged). Must run in the station's queue.
   */
  private async residentStation(id: string): Promise<Station | undefined> {
    const current = this.resident.get(id);
    if (current) return current;
    // Another executor may have created a station this one never saw: only the shared store knows.
    if (!this.options.store.shared && !this.index.has(id)) return undefined;
    const stored = await this.read(id, () => this.options.store.load(id));
    let station: Station | undefined;
    try {
      station =
        stored &&
        fromRecord(stored, this.options.backend.restore, (variable, v, error) =>
          this.restart(id, variable, v, error),
        );
    } catch (err) {
      this.options.logger.error(
        { err, station: id },
        'station state could not be restored; treated as unknown',
      );
    }
    if (!station) {
      this.index.delete(id);
      this.pending.set(id, 0);
      return undefined;
    }
    this.resident.set(id, station);
    this.pending.set(id, station.outbox.length);
    this.index.set(id, summarize(station));
    if (station.outbox.length > 0) this.dispatcher?.notify(id);
    this.evictIdle();
    return station;
  }

  /** A read of the store; its failure (a store that cannot be reached) answers 503, the request was not at fault. */
  private async read<T>(id: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      this.options.logger.error({ err, station: id }, 'station state could not be read');
      throw stateUnavailable();
    }
  }

  /**
   * Commits `station` with the history and outbox entries of its change, if the store still holds the version it
   * was applied to; false on a conflict. On a conflict or a failure the station is dropped from memory, so memory
   * never runs ahead of the store: its next use restores the stored state (after a failure, a re-sent block is
   * then processed again instead of being skipped). `attempt`: how many times this change was applied. With
   * `bounds`, a commit the store refuses at a delivery bound throws its 503, the station dropped from memory too.
   */
  private async commit(
    station: Station,
    history: readonly HistoryEntry[],
    outbox: readonly OutboxEntry[],
    attempt: number,
    bounds?: DeliveryBounds,
  ): Promise<boolean> {
    const id = station.id;
    this.dirty.delete(id);
    let version: number | 'conflict' | BlockRefusal;
    try {
      const record = toRecord(station);
      version = await this.options.store.commit({
        record,
        expectedVersion: station.version,
        history,
        outbox,
        ...(bounds ? { bounds } : {}),
      });
    } catch (err) {
      this.options.logger.error({ err, station: id }, 'station state write failed; dropped from memory');
      this.resident.delete(id);
      throw stateWriteFailed(id);
    }
    if (version === 'conflict') {
      this.resident.delete(id);
      this.options.logger.debug(
        { station: id, attempt },
        'station changed by another executor; applied again',
      );
      if (attempt >= MAX_COMMIT_ATTEMPTS) throw stateWriteFailed(id);
      return false;
    }
    if (typeof version === 'object') {
      // The block was applied in memory only: the next use restores the stored state, which it never changed.
      this.resident.delete(id);
      // Only a commit given bounds can be refused by them.
      throw bounds ? refuseBlock(bounds, this.refused, version, id) : stateWriteFailed(id);
    }
    station.version = version;
    // Most recently used last.
    this.resident.delete(id);
    this.resident.set(id, station);
    this.index.set(id, summarize(station));
    this.evictIdle();
    return true;
  }

  /** Drops least recently used idle stations beyond `maxResident` (their state is on disk). */
  private evictIdle(): void {
    const max = this.options.maxResident;
    if (max === 0 || this.resident.size <= max) return;
    for (const [id, station] of this.resident) {
      if (this.resident.size <= max) return;
      if (this.queue.busy(id) || this.dirty.has(id) || station.outbox.length > 0) continue;
      this.resident.delete(id);
    }
  }

  private outboxEntries(station: Station, result: BlockResult): OutboxEntry[] {
    const keys = { id_estacio: station.id, station_id: station.id };
    const entries: OutboxEntry[] = [];
    const add = (path: OutboxEntry['path'], body: unknown) => {
      const seq = station.nextEntrySeq++;
      entries.push({ seq, key: `${station.epoch}-${seq}`, path, body });
    };
    if (result.outliers.length > 0) {
      add(
        '/outliers',
        result.outliers.map((o) => ({ ...keys, variable: o.variable, dates: o.dates })),
      );
    }
    add('/outliers/validate', keys);
    return entries;
  }

  /** Writes the stations whose acknowledgements have waited `ackFlushMs` (all of them when `all`). */
  private async flushDelivered(all: boolean): Promise<void> {
    const due = Date.now() - this.options.ackFlushMs;
    const ids: string[] = [];
    for (const [id, since] of this.dirty) {
      if (all || since <= due) ids.push(id);
    }
    for (const id of ids) this.dirty.delete(id);
    await Promise.all(
      ids.map((id) =>
        this.queue
          .run(id, async () => {
            const station = this.resident.get(id);
            if (!station) return;
            // Kept in memory whatever happens: its deliveries go on from there.
            const record = toRecord(station);
            const version = await this.options.store.commit({
              record,
              expectedVersion: station.version,
              history: [],
              outbox: [],
            });
            // Only a store that holds the outbox in the record has deliveries to write: one process owns it.
            if (typeof version !== 'number') throw new Error('station changed by another process');
            station.version = version;
            this.index.set(id, summarize(station));
          })
          .catch((err: unknown) => {
            if (!this.dirty.has(id)) this.dirty.set(id, Date.now());
            this.options.logger.warn({ err, station: id }, 'could not write delivered outbox entries');
          }),
      ),
    );
  }
}

function summarize(station: Station): StationSummary {
  return {
    id: station.id,
    variables: [...station.variables.keys()],
    blocks: station.blocks,
    updatedAt: station.updatedAt,
    outboxPending: station.outbox.length,
    historyNext: station.historyNext,
  };
}
