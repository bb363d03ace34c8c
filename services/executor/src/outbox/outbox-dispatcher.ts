import type { OutboxEntry } from '../station/station-state.js';
import { OutboxDelivery, type OutboxDeliveryOptions } from './outbox-delivery.js';

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
  private readonly waiting = new Set<string>();
  private readonly active = new Set<string>();
  private readonly delivery: OutboxDelivery;
  private readonly stopping = new AbortController();
  private readonly workers = new Set<Promise<void>>();

  constructor(private readonly options: OutboxDispatcherOptions) {
    this.delivery = new OutboxDelivery({ ...options, connections: options.concurrency });
  }

  /** A station has new entries. */
  notify(stationId: string): void {
    if (this.stopping.signal.aborted) return;
    if (!this.active.has(stationId)) this.waiting.add(stationId);
    this.spawn();
  }

  /** Stops retrying, lets in-flight requests finish (bounded by their timeout) and closes connections. */
  async close(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.workers);
    await this.delivery.close();
  }

  private spawn(): void {
    while (this.workers.size < this.options.concurrency && this.waiting.size > 0) {
      const worker = this.work().finally(() => this.workers.delete(worker));
      this.workers.add(worker);
    }
  }

  private async work(): Promise<void> {
    for (const id of this.waiting) {
      if (this.stopping.signal.aborted) return;
      this.waiting.delete(id);
      this.active.add(id);
      try {
        await this.drainStation(id);
      } finally {
        this.active.delete(id);
      }
    }
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
