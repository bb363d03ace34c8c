import type { BlockRefusal, DeliveryBounds } from '../outbox/delivery-bounds.js';
import type { HistoryEntry, OutboxEntry, StationRecord, StationSummary } from './station-state.js';

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Pass as `cursor` for the next page; null when there is none. */
  nextCursor: number | null;
}

/** A station's record and the version the store holds it at (each commit bumps it). */
export interface StoredStation {
  record: StationRecord;
  version: number;
}

/** One change of a station: its new record with what the change adds to its history and its outbox. */
export interface StationCommit {
  record: StationRecord;
  /** The version `record` was derived from (0: a station the store does not hold). */
  expectedVersion: number;
  /** History entries of this change, numbered from the previous record's `historyNext`. */
  history: readonly HistoryEntry[];
  /** Outbox entries of this change, appended to the station's outbox (the record's, or a shared stream). */
  outbox: readonly OutboxEntry[];
  /**
   * A block's commit under the delivery bounds: a store whose outbox is shared by every executor (Redis) checks
   * them against its undelivered entries in the commit itself, atomically, and refuses it when one is reached. The
   * disk store ignores them: its one process checks its own outbox before applying the block.
   */
  bounds?: Pick<DeliveryBounds, 'perStation' | 'total'>;
}

/**
 * Durable storage of stations: the disk store (one process owns the state) or the Redis store (every executor of a
 * cluster shares it). `commit` is atomic: after a crash at any moment, `load` returns either the previous or the new
 * record, with the history of exactly the committed changes.
 */
export interface StationStore {
  /**
   * Whether other processes commit to the same stations: then a process's stations in memory are a cache that
   * `commit` revalidates, and only the store knows every station.
   */
  readonly shared: boolean;
  /**
   * The summary of every stored station (without reading detector states). A summary may be one write ahead of
   * `load` when the latest write was torn; `load` is the truth.
   */
  loadIndex(): Promise<StationSummary[]>;
  load(id: string): Promise<StoredStation | undefined>;
  /** The version the store holds the station at; 0 when it holds none. */
  version(id: string): Promise<number>;
  /**
   * Writes the change if the store still holds `expectedVersion` and answers the new version; otherwise writes
   * nothing and answers 'conflict' (another process committed first: reload and apply the change again), or the
   * delivery bound that refuses it (see `bounds`; nothing written either).
   */
  commit(change: StationCommit): Promise<number | 'conflict' | BlockRefusal>;
  /** History entries with `cursor <= n < committedNext`, oldest first, at most `limit`. */
  readHistory(id: string, cursor: number, limit: number, committedNext: number): Promise<HistoryPage>;
  close(): Promise<void>;
}
