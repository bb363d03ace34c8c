/**
 * A Druid broker stand-in for tests: a real HTTP server on 127.0.0.1 that answers `POST /druid/v2/` with whatever
 * the test's `respond` function returns and records every query it received. Exported as `@outliers/druid/testing`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the stand-in does with one query. */
export interface StandInAnswer {
  /** @defaultValue 200 */
  status?: number;
  /** Sent as JSON (strings are sent verbatim). */
  body?: unknown;
  /** Wait this long before answering (to provoke client timeouts). */
  delayMs?: number;
  /** Drop the connection without an answer (a broker crash). */
  hangUp?: boolean;
}

/** Decides the answer to the n-th query (n counts from 0 across the stand-in's life). */
export type StandInResponder = (query: unknown, n: number) => StandInAnswer | Promise<StandInAnswer>;

export interface DruidStandIn {
  /** Base URL to give a DruidClient (`http://127.0.0.1:<port>`). */
  url: string;
  /** Parsed bodies of every query received on /druid/v2/, in order. */
  queries: unknown[];
  /** Replaces the responder. */
  respondWith(responder: StandInResponder): void;
  close(): Promise<void>;
}

/** Answers every query with one timeseries response (e.g. a fixture file's contents). */
export function answerWith(body: unknown): StandInResponder {
  return () => ({ body });
}

export async function startDruidStandIn(responder: StandInResponder = answerWith([])): Promise<DruidStandIn> {
  const queries: unknown[] = [];
  let respond = responder;
  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || !/^\/druid\/v2\/?(\?.*)?$/.test(req.url ?? '')) {
      return send(res, 404, { error: `no route ${req.method} ${req.url}` });
    }
    let query: unknown;
    try {
      query = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { error: 'Malformed JSON' });
    }
    const n = queries.length;
    queries.push(query);
    const answer = await respond(query, n);
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (answer.hangUp) {
      res.socket?.destroy();
      return;
    }
    send(res, answer.status ?? 200, answer.body ?? []);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    queries,
    respondWith(next) {
      respond = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' }).end(text);
}

/** Names of the redBorder files shipped in `fixtures/redborder/` (Druid answers and the reference's query parts). */
export type RedborderFixture =
  | 'druid_bytes_239x1h'
  | 'druid_traffic_49x8h'
  | 'druid_traffic_60x1m'
  | 'aggregations'
  | 'post_aggregations'
  | 'train_query_template';

/** Reads one redBorder fixture as parsed JSON (copies of the reference service's files). */
export function redborderFixture(name: RedborderFixture): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/redborder/${name}.json`, import.meta.url), 'utf8'));
}
