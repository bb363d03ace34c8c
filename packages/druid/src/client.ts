/**
 * A small Druid broker client: POSTs native queries to `{url}/druid/v2/` with a per-attempt timeout and bounded
 * retries on connection errors and 5xx answers (brokers restart; a query that timed out is not retried, it would only
 * load the cluster more).
 */
import { Agent, type Dispatcher, request } from 'undici';
import { DruidRequestError, DruidTimeoutError } from './errors.js';

export interface DruidClientOptions {
  /** Broker or router base URL, e.g. `http://druid-broker:8082`. */
  url: string;
  /** Per-attempt timeout in ms. @defaultValue 30000 */
  timeoutMs?: number;
  /** Retries after the first attempt, for connection errors and 5xx only. @defaultValue 2 */
  retries?: number;
  /** Delay before retry n is `retryDelayMs * 2^(n-1)`. @defaultValue 100 */
  retryDelayMs?: number;
  /** An undici dispatcher to share; by default the client owns a keep-alive Agent closed by `close()`. */
  dispatcher?: Dispatcher;
}

const MAX_ERROR_TEXT = 500;

export class DruidClient {
  readonly endpoint: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;

  constructor(options: DruidClientOptions) {
    const base = new URL(options.url);
    this.endpoint = new URL('druid/v2/', base.href.endsWith('/') ? base.href : `${base.href}/`).href;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 2;
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher = options.dispatcher ?? new Agent({ connect: { timeout: this.timeoutMs } });
  }

  /**
   * Runs a native query and returns the parsed JSON answer.
   * @throws {DruidTimeoutError} when an attempt exceeds `timeoutMs`.
   * @throws {DruidRequestError} when the broker is unreachable, answers non-2xx (after retries for 5xx) or answers
   *   with text that is not JSON.
   */
  async query(query: unknown): Promise<unknown> {
    const { text, status, attempts } = await this.#run(query);
    try {
      return JSON.parse(text);
    } catch (cause) {
      throw new DruidRequestError('Druid answered with invalid JSON', status, attempts, { cause });
    }
  }

  /**
   * Runs a native query and returns the answer's text, not parsed: for a caller that parses it elsewhere (a worker
   * thread; `parseTimeseriesResponse` takes text), so the event loop neither parses nor copies a parsed answer.
   * @throws {DruidTimeoutError} when an attempt exceeds `timeoutMs`.
   * @throws {DruidRequestError} when the broker is unreachable or answers non-2xx (after retries for 5xx).
   */
  async queryText(query: unknown): Promise<string> {
    return (await this.#run(query)).text;
  }

  async #run(query: unknown): Promise<{ text: string; status: number; attempts: number }> {
    const body = JSON.stringify(query);
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.#attempt(body, attempt);
      if (outcome.ok) return { text: outcome.text, status: outcome.status, attempts: attempt };
      if (!outcome.retryable || attempt > this.retries) throw outcome.error;
      await delay(this.retryDelayMs * 2 ** (attempt - 1));
    }
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #attempt(
    body: string,
    attempt: number,
  ): Promise<{ ok: true; text: string; status: number } | { ok: false; retryable: boolean; error: Error }> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await request(this.endpoint, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        dispatcher: this.#dispatcher,
        signal,
      });
      const text = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, text, status: res.statusCode };
      const error = new DruidRequestError(
        `Druid answered ${res.statusCode}: ${text.slice(0, MAX_ERROR_TEXT)}`,
        res.statusCode,
        attempt,
      );
      return { ok: false, retryable: res.statusCode >= 500, error };
    } catch (cause) {
      if (signal.aborted)
        return { ok: false, retryable: false, error: new DruidTimeoutError(this.timeoutMs) };
      const message = cause instanceof Error ? cause.message : String(cause);
      const error = new DruidRequestError(`Druid unreachable: ${message}`, undefined, attempt, { cause });
      return { ok: false, retryable: true, error };
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
