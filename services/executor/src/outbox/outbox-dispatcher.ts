import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { Pool } from 'undici';
import type { OutboxEntry } from '../station/station-state.js';
import { type DeliveryCounts, noDeliveries } from '../station/station-stats.js';

/** Where the dispatcher reads entries from and reports deliveries to (the StationService). */
export interface OutboxSource {
  nextOutboxEntry(stationId: string): OutboxEntry | undefined;
  acknowledgeOutboxEntry(stationId: string, seq: number): void;
}

export interface OutboxDispatcherOptions {
  /** Data server base URL, e.g. http://127.0.0.1:9100 (a trailing slash is ignored). */
  endpoint: string;
  source: OutboxSource;
  logger: Logger;
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Stations delivered in parallel. */
  concurrency: number;
  /** Random source for jitter, [0, 1). */
  random?: () => number;
}

/**
 * Delivers outbox entries to the data server: per station strictly in order (an entry is sent only after the
 * previous one was acknowledged), stations in parallel up to `concurrency`. Each attempt has a timeout (for
 * connecting, for the headers, between body chunks); failures are retried forever with exponential backoff and
 * full jitter (delay = random * min(max, base * 2^attempt)).
 * Every request carries the entry's Idempotency-Key, so a duplicate (an entry delivered again after a crash
 * before its removal was written) can be dropped by the receiver. A 4xx other than 408/429 will never succeed:
 * such an entry is logged at error level with its body and dropped.
 */
export class OutboxDispatcher {
  private readonly waiting = new Set<string>();
  private readonly active = new Set<string>();
  private readonly pool: Pool;
  /** The endpoint's path, without a trailing slash: prefixed to each entry's path. */
  private readonly prefix: string;
  private readonly stopping = new AbortController();
  private readonly workers = new Set<Promise<void>>();
  private readonly random: () => number;
  /** Outcomes so far (GET /metrics). */
  readonly counts: DeliveryCounts = noDeliveries();

  constructor(private readonly options: OutboxDispatcherOptions) {
    const endpoint = new URL(options.endpoint);
    this.prefix = endpoint.pathname.replace(/\/+$/, '');
    // One origin: a Pool skips the Agent's per-request URL parsing and origin lookup. Connect, headers and body
    // timeouts bound an attempt without a timer and an AbortSignal per request.
    this.pool = new Pool(endpoint.origin, {
      connections: options.concurrency,
      keepAliveTimeout: 10_000,
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    this.random = options.random ?? Math.random;
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
    await this.pool.close();
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
    let attempt = 0;
    for (;;) {
      const entry = this.options.source.nextOutboxEntry(id);
      if (!entry || this.stopping.signal.aborted) return;
      const outcome = await this.send(id, entry);
      this.counts[outcome]++;
      if (outcome === 'retried') {
        const cap = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** attempt);
        attempt = Math.min(attempt + 1, 30);
        try {
          await sleep(this.random() * cap, undefined, { signal: this.stopping.signal });
        } catch {
          return; // stopping: the entry stays in the outbox for the next start
        }
        continue;
      }
      attempt = 0;
      this.options.source.acknowledgeOutboxEntry(id, entry.seq);
    }
  }

  private async send(id: string, entry: OutboxEntry): Promise<keyof DeliveryCounts> {
    const log = this.options.logger;
    try {
      const res = await this.pool.request({
        path: `${this.prefix}${entry.path}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': entry.key },
        body: JSON.stringify(entry.body),
      });
      await res.body.dump();
      if (res.statusCode < 300) return 'succeeded';
      if (res.statusCode >= 400 && res.statusCode < 500 && res.statusCode !== 408 && res.statusCode !== 429) {
        log.error(
          { station: id, path: entry.path, key: entry.key, status: res.statusCode, body: entry.body },
          'data server rejected an outbox entry; dropped',
        );
        return 'failed';
      }
      log.warn(
        { station: id, path: entry.path, status: res.statusCode },
        'data server answered an error; will retry',
      );
      return 'retried';
    } catch (err) {
      log.warn({ station: id, path: entry.path, err: (err as Error).message }, 'delivery failed; will retry');
      return 'retried';
    }
  }
}
