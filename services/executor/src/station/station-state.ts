import type {
  OutlierReason,
  StreamDetector,
  StreamDetectorOptions,
  StreamDetectorState,
} from '@outliers/core';
import type { StoredStation } from './station-store.js';

/** Live state of one variable of one station. */
export interface VariableState {
  /** Normalised options, including the derived seed. */
  options: StreamDetectorOptions;
  detector: StreamDetector;
  /**
   * Timestamps (as the client sent them) of pushed samples whose score is not known yet: `pending[i]` belongs to
   * seq `pendingStart + i`. A windowed detector reports up to W-1 samples back, so this holds at most W entries.
   */
  pending: string[];
  pendingStart: number;
  /** Epoch ms of the last accepted sample; later samples must be strictly newer. */
  lastTime: number | null;
  lastTimestamp: string | null;
  /** Samples with no value (null or absent) for this variable. */
  missing: number;
  /** Samples ignored because their timestamp was not newer than `lastTime` (re-sent blocks). */
  stale: number;
  outliers: number;
}

/** A delivery to the data server, stored with the station state so both change in one atomic write. */
export interface OutboxEntry {
  /** Per-station sequence; deliveries follow it. */
  seq: number;
  /** Idempotency-Key header: stable for the entry, unique across stations and re-created stations. */
  key: string;
  path: '/outliers' | '/outliers/validate';
  body: unknown;
}

export interface Station {
  id: string;
  /** Random id of this station's life, so idempotency keys never repeat after a station is re-created. */
  epoch: string;
  createdAt: string;
  updatedAt: string;
  variables: Map<string, VariableState>;
  /** Blocks applied by /detection. */
  blocks: number;
  /** Values of variables that were not initialised (ignored). */
  unknown: number;
  outbox: OutboxEntry[];
  nextEntrySeq: number;
  /** Number of the next outlier-history entry; entries numbered from here on were never committed. */
  historyNext: number;
  /** The store's version of the record this station was restored from or last committed as (0: none stored). */
  version: number;
}

/** What is known of one flagged sample besides its date. */
export interface OutlierDetail {
  score: number;
  /** Why it was flagged (detectors that tell: 'score', 'range', 'spike', 'level-shift', 'stuck', 'dropout'). */
  reason?: OutlierReason;
  /** What the detector expected, and the band [lower, upper] it accepted, in the variable's units. */
  expected?: number;
  band?: [number, number];
}

/** One flagged sample, as kept in the readable history. */
export interface HistoryEntry extends OutlierDetail {
  n: number;
  block: number;
  variable: string;
  date: string;
}

/** The persisted form of a Station (plain JSON). */
export interface StationRecord {
  formatVersion: 1;
  id: string;
  epoch: string;
  createdAt: string;
  updatedAt: string;
  blocks: number;
  unknown: number;
  nextEntrySeq: number;
  historyNext: number;
  outbox: OutboxEntry[];
  variables: Record<string, VariableRecord>;
}

export interface VariableRecord extends Omit<VariableState, 'detector'> {
  detector: StreamDetectorState;
}

/** What is known of a station without restoring its detectors: enough to list it and to page its history. */
export interface StationSummary {
  id: string;
  variables: string[];
  blocks: number;
  updatedAt: string;
  /** Outbox entries not yet delivered (stations with any are kept in memory). */
  outboxPending: number;
  historyNext: number;
}

export function summaryOf(record: StationRecord): StationSummary {
  return {
    id: record.id,
    variables: Object.keys(record.variables),
    blocks: record.blocks,
    updatedAt: record.updatedAt,
    outboxPending: record.outbox.length,
    historyNext: record.historyNext,
  };
}

/** Restores a detector from its serialised state (the registry of @outliers/core). */
export type RestoreDetector = (state: StreamDetectorState) => StreamDetector;

export function toRecord(station: Station): StationRecord {
  // No prototype: a variable may be called `__proto__`.
  const variables: Record<string, VariableRecord> = Object.create(null);
  for (const [name, v] of station.variables) {
    variables[name] = { ...v, detector: v.detector.toJSON() };
  }
  return {
    formatVersion: 1,
    id: station.id,
    epoch: station.epoch,
    createdAt: station.createdAt,
    updatedAt: station.updatedAt,
    blocks: station.blocks,
    unknown: station.unknown,
    nextEntrySeq: station.nextEntrySeq,
    historyNext: station.historyNext,
    outbox: station.outbox,
    variables,
  };
}

/**
 * Starts a fresh detector for a variable whose saved detector state cannot be restored (a state format of an older
 * release); the error tells why. Without it such a station cannot be restored at all.
 */
export type RestartDetector = (variable: string, record: VariableRecord, error: unknown) => StreamDetector;

export function fromRecord(
  { record, version }: StoredStation,
  restore: RestoreDetector,
  restart?: RestartDetector,
): Station {
  if (record.formatVersion !== 1)
    throw new Error(`unsupported station format ${String(record.formatVersion)}`);
  const variables = new Map<string, VariableState>();
  for (const [name, v] of Object.entries(record.variables)) {
    try {
      variables.set(name, { ...v, detector: restore(v.detector) });
    } catch (error) {
      if (!restart) throw error;
      // A fresh detector numbers samples from 0 again; samples still waiting for a verdict will not get one.
      variables.set(name, { ...v, detector: restart(name, v, error), pending: [], pendingStart: 0 });
    }
  }
  return {
    id: record.id,
    epoch: record.epoch,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    blocks: record.blocks,
    unknown: record.unknown,
    nextEntrySeq: record.nextEntrySeq,
    historyNext: record.historyNext,
    outbox: record.outbox,
    variables,
    version,
  };
}
