import type { OutboxEntry } from '../station/station-state.js';
import type { DeliveryCounts } from '../station/station-stats.js';
import { OutboxDelivery, type OutboxDeliveryOptions } from './outbox-delivery.js';
import { StationDrains } from './station-drains.js';

/** Where the dispatcher reads entries from and reports deliveries to (the StationService). */
export interface OutboxSource {
  nextOutboxEntry(stationId: string): OutboxEntry | undefined;
  acknowledgeOutboxEntry(stationId: string, seq: number): void;
}

export interface OutboxDispatcherOptions extends Omit<OutboxDeliveryOptions, 'connections'> {
  source: OutboxSource;
  /** Stations delivered in parallel. */
  concurrency: number;
}

/**
 * Delivers outbox entries to the data server: per station strictly in order (an entry is sent only after the
 * previous one was acknowledged), stations in parallel up to `concurrency`, each entry sent and retried as
 * `OutboxDelivery` does. A duplicate (an entry delivered again after a crash before its removal was written) carries
 * the same Idempotency-Key.
 */
export class OutboxDispatcher {
  private readonly delivery: OutboxDelivery;
  private readonly stopping = new AbortController();
  private readonly drains: StationDrains;

  constructor(private readonly options: OutboxDispatcherOptions) {
    this.delivery = new OutboxDelivery({ ...options, connections: options.concurrency });
    this.drains = new StationDrains(options.concurrency, (id) => this.drainStation(id), this.stopping.signal);
  }

  /** Outcomes so far (GET /metrics). */
  get counts(): DeliveryCounts {
    return this.delivery.counts;
  }

  /** A station has new entries. */
  notify(stationId: string): void {
    this.drains.schedule(stationId);
  }

  /** Stops retrying, lets in-flight requests finish (bounded by their timeout) and closes connections. */
  async close(): Promise<void> {
    this.stopping.abort();
    await this.drains.settled();
    await this.delivery.close();
  }

  private async drainStation(id: string): Promise<void> {
    for (;;) {
      const entry = this.options.source.nextOutboxEntry(id);
      if (!entry || this.stopping.signal.aborted) return;
      // Not delivered means stopping: the entry stays in the outbox for the next start.
      if (!(await this.delivery.deliver(id, entry, this.stopping.signal))) return;
      this.options.source.acknowledgeOutboxEntry(id, entry.seq);
    }
  }
}
