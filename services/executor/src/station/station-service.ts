import { InvalidInputError, type StreamDetector, type StreamDetectorOptions } from '@outliers/core';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { type BlockResult, detectStationStream } from '../detection/detect-station-stream.js';
import type { DetectionBlock } from '../detection/detection-block.js';
import { type DetectorBackend, initializeStation } from '../detection/initialize-station.js';
import { stateNotReady, stateWriteFailed, stationNotInitialized } from '../errors.js';
import { admitBlock, type DeliveryBounds, type RefusedBlocks } from '../outbox/delivery-bounds.js';
import type { OutboxDispatcher, OutboxSource } from '../outbox/outbox-dispatcher.js';
import { PendingDeliveries } from '../outbox/pending-deliveries.js';
import { KeyedSerialQueue } from './keyed-serial-queue.js';
import {
  fromRecord,
  type OutboxEntry,
  type Station,
  type StationSummary,
  toRecord,
  type VariableRecord,
} from './station-state.js';
import { noDeliveries, type StationStats } from './station-stats.js';
import type { HistoryPage, StationStore } from './station-store.js';
import { type BlockOutcome, describeStation, type StationDescription, type Stations } from './stations.js';

export interface StationServiceOptions {
  /** Owned: closed with the service. */
  store: StationStore;
  backend: DetectorBackend;
  logger: Logger;
  /**
   * The dispatcher that delivers the outbox to a data server, made for the service it reads from; without one no
   * outbox entries are made. Owned: closed with the service.
   */
  dispatcher?: (source: OutboxSource) => OutboxDispatcher;
  /** With a dispatcher: beyond these undelivered entries, blocks are refused before they are applied. */
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
    this.dispatcher = options.dispatcher?.(this);
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
      const current = await this.residentStation(id);
      const station = initializeStation(current, id, variables, this.options.backend, this.now());
      await this.commit(station, async () => {
        await this.options.store.save(toRecord(station));
      });
    });
  }

  /** Applies one block and persists state, outbox entries and history before resolving. */
  async detect({ id, samples }: DetectionBlock): Promise<BlockOutcome> {
    await this.whenLoaded();
    return this.queue.run(id, async () => {
      const station = await this.residentStation(id);
      if (!station) throw stationNotInitialized(id);
      // Refused before anything changes: the client re-sends the same block later.
      const bounds = this.dispatcher && this.options.bounds;
      if (bounds)
        admitBlock(bounds, this.refused, this.pending.total, { id, pending: station.outbox.length });
      const result = detectStationStream(station, samples);
      station.updatedAt = this.now().toISOString();
      const entries = this.dispatcher ? this.outboxEntries(station, result) : [];
      await this.commit(station, async () => {
        await this.options.store.appendHistory(id, result.history);
        await this.options.store.save(toRecord(station, entries));
      });
      if (entries.length > 0) {
        station.outbox.push(...entries);
        this.pending.set(id, station.outbox.length);
        this.dispatcher?.notify(id);
      }
      return { outliers: result.outliers, skipped: result.skipped };
    });
  }

  /** Summaries of every station, in first-seen order. */
  async list(): Promise<StationSummary[]> {
    return [...this.index.values()];
  }

  async describe(id: string): Promise<StationDescription | undefined> {
    const station = await this.get(id);
    return station && describeStation(station);
  }

  /** A station with its detectors (restored if needed), after the requests queued before this call. */
  async get(id: string): Promise<Station | undefined> {
    await this.whenLoaded();
    if (!this.index.has(id)) return undefined;
    return this.queue.run(id, () => this.residentStation(id));
  }

  async history(id: string, cursor: number, limit: number): Promise<HistoryPage | undefined> {
    // The committed history length comes from the restored station (a summary may be one torn write ahead).
    const station = await this.get(id);
    if (!station) return undefined;
    return this.options.store.readHistory(id, cursor, limit, station.historyNext);
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
    if (!this.index.has(id)) return undefined;
    const record = await this.options.store.load(id);
    let station: Station | undefined;
    try {
      station =
        record &&
        fromRecord(record, this.options.backend.restore, (variable, v, error) =>
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

  /**
   * Runs a write of `station`. On failure the station is dropped from memory, so memory never runs ahead of disk:
   * its next use restores it from the store (a re-sent block is then processed again instead of being skipped).
   */
  private async commit(station: Station, write: () => Promise<void>): Promise<void> {
    const id = station.id;
    this.dirty.delete(id);
    try {
      await write();
    } catch (err) {
      this.options.logger.error({ err, station: id }, 'station state write failed; dropped from memory');
      this.resident.delete(id);
      throw stateWriteFailed(id);
    }
    // Most recently used last.
    this.resident.delete(id);
    this.resident.set(id, station);
    this.index.set(id, summarize(station));
    this.evictIdle();
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
            await this.options.store.save(toRecord(station));
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
