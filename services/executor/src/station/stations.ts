import type { StreamDetectorOptions } from '@outliers/core';
import type { Static } from '@sinclair/typebox';
import type { BlockResult } from '../detection/detect-station-stream.js';
import type { DetectionBlock } from '../detection/detection-block.js';
import type { StationDetail } from '../schemas/stations.js';
import type { Station, StationSummary } from './station-state.js';
import type { StationStats } from './station-stats.js';
import type { HistoryPage } from './station-store.js';

/** What a client learns of a block it sent: the outliers it revealed and the samples skipped. */
export type BlockOutcome = Pick<BlockResult, 'outliers' | 'skipped'>;

/** What the routes read and do: a StationService on the event loop, or StationThreads routing to one per thread. */
export interface Stations {
  /** Whether the station index has been read (requests wait until it is). */
  readonly ready: boolean;
  /** Number of stations. */
  readonly size: number;
  /** Undelivered outbox entries (with threads: as last reported by each, at most PENDING_REPORT_MS ago). */
  readonly pendingDeliveries: number;
  /** Starts reading the station index; idempotent. */
  load(): Promise<void>;
  initialize(id: string, variables: ReadonlyMap<string, StreamDetectorOptions>): Promise<void>;
  /** Applies a block; resolves once state, outbox and history are persisted. */
  detect(block: DetectionBlock): Promise<BlockOutcome>;
  /** Summaries of every station, in a stable order. */
  list(): Promise<StationSummary[]>;
  /** The station's detail view; undefined when unknown. */
  describe(id: string): Promise<StationDescription | undefined>;
  history(id: string, cursor: number, limit: number): Promise<HistoryPage | undefined>;
  /** The figures of GET /metrics, read now. */
  stats(): Promise<StationStats>;
  /** Stops deliveries, finishes queued requests and writes what is pending. */
  close(): Promise<void>;
}

export type StationDescription = Static<typeof StationDetail>;

/** The detail view of a station (GET /stations/:id). */
export function describeStation(station: Station): StationDescription {
  let outliers = 0;
  const variables: StationDescription['variables'] = Object.create(null);
  for (const [name, v] of station.variables) {
    outliers += v.outliers;
    variables[name] = {
      detector: v.detector.kind,
      options: v.options,
      samples: v.detector.seen,
      warmingUp: v.detector.warmingUp,
      pending: v.pending.length,
      lastTimestamp: v.lastTimestamp,
      outliers: v.outliers,
      missing: v.missing,
      stale: v.stale,
    };
  }
  return {
    id_estacio: station.id,
    createdAt: station.createdAt,
    updatedAt: station.updatedAt,
    blocks: station.blocks,
    outliers,
    unknown: station.unknown,
    outboxPending: station.outbox.length,
    variables,
  };
}
