import type { HistoryEntry, StationRecord, StationSummary } from './station-state.js';

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Pass as `cursor` for the next page; null when there is none. */
  nextCursor: number | null;
}

/**
 * Durable storage of stations. `save` is atomic: after a crash at any moment, `load` returns either the previous
 * or the new record, never a mix. The disk store is the first implementation; a Redis store comes next.
 */
export interface StationStore {
  /**
   * The summary of every stored station (used once at startup, without reading detector states). A summary may be
   * one write ahead of `load` when the latest write was torn; `load` is the truth.
   */
  loadIndex(): Promise<StationSummary[]>;
  load(id: string): Promise<StationRecord | undefined>;
  /** Replaces the station's record atomically. */
  save(record: StationRecord): Promise<void>;
  /**
   * Appends history entries (numbered consecutively from `entries[0].n`). Entries numbered at or after that first
   * number that are already stored were never committed (a crash between append and save) and are discarded.
   */
  appendHistory(id: string, entries: readonly HistoryEntry[]): Promise<void>;
  /** History entries with `cursor <= n < committedNext`, oldest first, at most `limit`. */
  readHistory(id: string, cursor: number, limit: number, committedNext: number): Promise<HistoryPage>;
  close(): Promise<void>;
}
