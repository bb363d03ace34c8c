import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger as Logger } from 'fastify';
import { Pool } from 'undici';
import type { OutboxEntry } from '../station/station-state.js';
import { type DeliveryCounts, noDeliveries } from '../station/station-stats.js';

export interface OutboxDeliveryOptions {
  /** Data server base URL, e.g. http://127.0.0.1:9100 (a trailing slash is ignored). */
  endpoint: string;
  logger: Logger;
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Connections to the data server (one per station delivered at once). */
  connections: number;
  /** Random source for jitter, [0, 1). */
  random?: () => number;
}

/**
 * How one outbox entry reaches the data server, shared by the disk outbox's dispatcher and the Redis stream's: each
 * attempt has a timeout (for connecting, for the headers, between body chunks); failures are retried forever with
 * exponential backoff and full jitter (delay = random * min(max, base * 2^attempt)). Every request carries the
 * entry's Idempotency-Key, so the receiver can drop a duplicate. A 4xx other than 408/429 will never succeed: such
 * an entry is logged at error level with its body and counts as delivered.
 */
export class OutboxDelivery {
  private readonly pool: Pool;
  /** The endpoint's path, without a trailing slash: prefixed to each entry's path. */
  private readonly prefix: string;
  private readonly random: () => number;
  /** Outcomes so far (GET /metrics). */
  readonly counts: DeliveryCounts = noDeliveries();

  constructor(private readonly options: OutboxDeliveryOptions) {
    const endpoint = new URL(options.endpoint);
    this.prefix = endpoint.pathname.replace(/\/+$/, '');
    // One origin: a Pool skips the Agent's per-request URL parsing and origin lookup. Connect, headers and body
    // timeouts bound an attempt without a timer and an AbortSignal per request.
    this.pool = new Pool(endpoint.origin, {
      connections: options.connections,
      keepAliveTimeout: 10_000,
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    this.random = options.random ?? Math.random;
  }

  /**
   * Sends `entry` until it is delivered (or dropped by the 4xx rule): true. False when `signal` aborts or
   * `wanted` turns false between attempts; an attempt in flight is never cut short.
   */
  async deliver(
    station: string,
    entry: OutboxEntry,
    signal: AbortSignal,
    wanted: () => boolean = () => true,
  ): Promise<boolean> {
    for (let attempt = 0; ; attempt = Math.min(attempt + 1, 30)) {
      if (signal.aborted || !wanted()) return false;
      const outcome = await this.send(station, entry);
      this.counts[outcome]++;
      if (outcome !== 'retried') return true;
      const cap = Math.min(this.options.retryMaxMs, this.options.retryBaseMs * 2 ** attempt);
      try {
        await sleep(this.random() * cap, undefined, { signal });
      } catch {
        return false; // stopping: the entry stays in the outbox
      }
    }
  }

  /** Closes the connections (after the requests in flight). */
  async close(): Promise<void> {
    await this.pool.close();
  }

  private async send(station: string, entry: OutboxEntry): Promise<keyof DeliveryCounts> {
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
          { station, path: entry.path, key: entry.key, status: res.statusCode, body: entry.body },
          'data server rejected an outbox entry; dropped',
        );
        return 'failed';
      }
      log.warn(
        { station, path: entry.path, status: res.statusCode },
        'data server answered an error; will retry',
      );
      return 'retried';
    } catch (err) {
      log.warn({ station, path: entry.path, err: (err as Error).message }, 'delivery failed; will retry');
      return 'retried';
    }
  }
}
