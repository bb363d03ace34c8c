import type { RefusedBlocks } from '../outbox/delivery-bounds.js';

/** Outcomes of delivery attempts since the dispatcher started. */
export interface DeliveryCounts {
  /** Entries the data server accepted. */
  succeeded: number;
  /** Entries it refused for good (a 4xx other than 408/429): logged with their body and dropped. */
  failed: number;
  /** Attempts that failed and are retried. */
  retried: number;
}

/** The figures of the stations served (one StationService, or every thread's summed), read by GET /metrics. */
export interface StationStats {
  stations: number;
  resident: number;
  pendingDeliveries: number;
  deliveries: DeliveryCounts;
  refused: RefusedBlocks;
  /** Each station thread's V8 heap (its own isolate's, not counted in the event loop's nodejs_heap_* metrics). */
  threads: { thread: number; heapUsedBytes: number }[];
  /** Station threads that did not answer (down, being replaced): their figures are missing from the others. */
  threadsDown: number;
}

export function noDeliveries(): DeliveryCounts {
  return { succeeded: 0, failed: 0, retried: 0 };
}

/** The figures of `parts` summed (threads' lists joined). */
export function sumStats(parts: readonly StationStats[]): StationStats {
  const sum: StationStats = {
    stations: 0,
    resident: 0,
    pendingDeliveries: 0,
    deliveries: noDeliveries(),
    refused: { station: 0, total: 0 },
    threads: [],
    threadsDown: 0,
  };
  for (const part of parts) {
    sum.stations += part.stations;
    sum.resident += part.resident;
    sum.pendingDeliveries += part.pendingDeliveries;
    sum.deliveries.succeeded += part.deliveries.succeeded;
    sum.deliveries.failed += part.deliveries.failed;
    sum.deliveries.retried += part.deliveries.retried;
    sum.refused.station += part.refused.station;
    sum.refused.total += part.refused.total;
    sum.threads.push(...part.threads);
    sum.threadsDown += part.threadsDown;
  }
  return sum;
}
