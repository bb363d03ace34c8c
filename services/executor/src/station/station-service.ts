import type { StreamDetectorOptions } from '@outliers/core';
import type { FastifyBaseLogger as Logger } from 'fastify';
import {
  type BlockResult,
  detectStationStream,
  type StationSample,
} from '../detection/detect-station-stream.js';
import { type DetectorBackend, initializeStation } from '../detection/initialize-station.js';
import { stateNotReady, stateWriteFailed, stationNotInitialized } from '../errors.js';
import { KeyedSerialQueue } from './keyed-serial-queue.js';
import { fromRecord, type OutboxEntry, type Station, toRecord } from './station-state.js';
import type { HistoryPage, StationStore } from './station-store.js';

export interface StationServiceOptions {
  store: StationStore;
  backend: DetectorBackend;
  logger: Logger;
  /** Whether results go to a data server: without one no outbox entries are made. */
  outboxEnabled: boolean;
  /** How long delivered entries may wait before their removal is written. */
  ackFlushMs: number;
  now?: () => Date;
}

/**
 * The stations: in memory (all of them, loaded at startup), persisted through the StationStore before any answer.
 * Requests for one station run one at a time in arrival order; stations run in parallel.
 */
export class StationService {
  private readonly stations = new Map<string, Station>();
  private readonly queue = new KeyedSerialQueue();
  /** Stations whose outbox changed (deliveries) since their last write. */
  private readonly dirty = new Set<string>();
  private readonly outboxListeners: ((id: string) => void)[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  private loaded = false;
  private readonly now: () => Date;

  constructor(private readonly options: StationServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  get ready(): boolean {
    return this.loaded;
  }

  /** Loads every stored station; idempotent. Requests wait for it. */
  load(): Promise<void> {
    this.loading ??= (async () => {
      const records = await this.options.store.loadAll();
      for (const record of records) {
        try {
          this.stations.set(record.id, fromRecord(record, this.options.backend.restore));
        } catch (err) {
          this.options.logger.error(
            { err, station: record.id },
            'station state could not be restored; skipped',
          );
        }
      }
      this.loaded = true;
      this.options.logger.info({ stations: this.stations.size }, 'station state loaded');
      for (const station of this.stations.values()) {
        if (station.outbox.length > 0) this.emitOutbox(station.id);
      }
      this.flushTimer = setInterval(() => void this.flushDelivered(), this.options.ackFlushMs);
      this.flushTimer.unref();
    })();
    return this.loading;
  }

  /** Called with a station id whenever that station has new committed outbox entries. */
  onOutbox(listener: (id: string) => void): void {
    this.outboxListeners.push(listener);
  }

  async initialize(id: string, variables: ReadonlyMap<string, StreamDetectorOptions>): Promise<void> {
    await this.whenLoaded();
    await this.queue.run(id, async () => {
      const current = this.stations.get(id);
      const station = initializeStation(current, id, variables, this.options.backend, this.now());
      await this.commit(station, async () => {
        await this.options.store.save(toRecord(station));
      });
    });
  }

  /** Applies one block and persists state, outbox entries and history before resolving. */
  async detect(id: string, samples: readonly StationSample[]): Promise<BlockResult> {
    await this.whenLoaded();
    return this.queue.run(id, async () => {
      const station = this.stations.get(id);
      if (!station) throw stationNotInitialized(id);
      const result = detectStationStream(station, samples);
      station.updatedAt = this.now().toISOString();
      const entries = this.options.outboxEnabled ? this.outboxEntries(station, result) : [];
      await this.commit(station, async () => {
        await this.options.store.appendHistory(id, result.history);
        await this.options.store.save(toRecord(station, entries));
      });
      if (entries.length > 0) {
        station.outbox.push(...entries);
        this.emitOutbox(id);
      }
      return result;
    });
  }

  list(): Station[] {
    return [...this.stations.values()];
  }

  get(id: string): Station | undefined {
    return this.stations.get(id);
  }

  async history(id: string, cursor: number, limit: number): Promise<HistoryPage | undefined> {
    const station = this.stations.get(id);
    if (!station) return undefined;
    return this.options.store.readHistory(id, cursor, limit, station.historyNext);
  }

  /** The oldest undelivered entry of a station. */
  nextOutboxEntry(id: string): OutboxEntry | undefined {
    return this.stations.get(id)?.outbox[0];
  }

  /** Marks an entry delivered; its removal is written with the next block or flush. */
  acknowledgeOutboxEntry(id: string, seq: number): void {
    const station = this.stations.get(id);
    if (station?.outbox[0]?.seq !== seq) return;
    station.outbox.shift();
    this.dirty.add(id);
  }

  /** Waits for queued requests, writes pending delivery acknowledgements and stops the flush timer. */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.queue.drain();
    await this.flushDelivered();
  }

  private async whenLoaded(): Promise<void> {
    if (this.loaded) return;
    if (!this.loading) throw stateNotReady();
    await this.loading;
  }

  /**
   * Runs a write of `station`. On failure the station is reloaded from the store, so memory never runs ahead of
   * disk (a re-sent block is then processed again instead of being skipped as already seen).
   */
  private async commit(station: Station, write: () => Promise<void>): Promise<void> {
    try {
      this.dirty.delete(station.id);
      await write();
      this.stations.set(station.id, station);
    } catch (err) {
      this.options.logger.error({ err, station: station.id }, 'station state write failed; reloading');
      await this.reload(station.id);
      throw stateWriteFailed(station.id);
    }
  }

  private async reload(id: string): Promise<void> {
    try {
      const record = await this.options.store.load(id);
      if (record) this.stations.set(id, fromRecord(record, this.options.backend.restore));
      else this.stations.delete(id);
    } catch (err) {
      this.options.logger.fatal({ err, station: id }, 'station state could not be reloaded');
      this.stations.delete(id);
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

  private emitOutbox(id: string): void {
    for (const listener of this.outboxListeners) listener(id);
  }

  private async flushDelivered(): Promise<void> {
    const ids = [...this.dirty];
    this.dirty.clear();
    await Promise.all(
      ids.map((id) =>
        this.queue
          .run(id, async () => {
            const station = this.stations.get(id);
            if (station) await this.options.store.save(toRecord(station));
          })
          .catch((err: unknown) => {
            this.dirty.add(id);
            this.options.logger.warn({ err, station: id }, 'could not write delivered outbox entries');
          }),
      ),
    );
  }
}
