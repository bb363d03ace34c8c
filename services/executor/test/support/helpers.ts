import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { afterEach, expect } from 'vitest';
import { type AppDeps, buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { StationRecord } from '../../src/station/station-state.js';
import { thresholdDetectors } from './threshold-detector.js';

export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'executor-test-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export function testConfig(env: Record<string, string>): Config {
  return loadConfig({ LOG_LEVEL: 'silent', OUTBOX_RETRY_BASE_MS: '20', OUTBOX_RETRY_MAX_MS: '200', ...env });
}

/**
 * A /detection reply's entry for the outliers of `variable` at `dates`: the dates as sent and one point per date
 * with its score (whatever else the detector tells: reason, expected value, band).
 */
export function outliersAt(variable: string, dates: ReadonlyArray<string | undefined>) {
  return {
    variable,
    dates,
    points: dates.map((date) => expect.objectContaining({ date, score: expect.any(Number) })),
  };
}

/**
 * The app on the given state dir, state loaded, with station threads unless the config says otherwise; the threshold
 * detector unless `deps` name other detectors (`{}`: those of @outliers/core).
 */
export async function startApp(
  config: Config,
  deps: Pick<AppDeps, 'detectors'> = { detectors: thresholdDetectors },
): Promise<FastifyInstance> {
  const app = await buildApp(config, { ...deps, logger: pino({ level: 'silent' }) });
  await app.ready();
  await app.stations.load();
  return app;
}

/**
 * One app per test, on a fresh state directory: `start(env)` builds it (the test's config on top of `env`), and it
 * is closed and its directory removed after the test. Call at the top of a test file.
 */
export function appPerTest(): { start: (env?: Record<string, string>) => Promise<FastifyInstance> } {
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    await dir?.remove();
    app = undefined;
    dir = undefined;
  });
  return {
    start: async (env = {}) => {
      dir = await tempDir();
      app = await startApp(testConfig({ STATE_DIR: dir.path, METRIC_WORKERS: '0', ...env }));
      return app;
    },
  };
}

/** POSTs `text` as it is, as application/json (for bodies a serialiser would not write: escapes, 1e400, torn). */
export function postJsonText(
  app: FastifyInstance,
  url: string,
  text: string,
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url, payload: text, headers: { 'content-type': 'application/json' } });
}

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/**
 * A data server stand-in on 127.0.0.1 that records every POST; `stop()` and `start()` simulate an outage, `stalled`
 * one that stops answering (requests are read, never answered nor recorded).
 */
export class Receiver {
  readonly requests: Received[] = [];
  stalled = false;
  private server: Server | undefined;
  port = 0;

  /** `answer` picks each request's status (a promise that never settles: no answer until stop). */
  constructor(private readonly answer: (request: Received) => number | Promise<number> = () => 200) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        if (this.stalled) return;
        const request = {
          path: req.url ?? '',
          headers: req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        };
        this.requests.push(request);
        const status = await this.answer(request);
        res.writeHead(status, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves once `predicate` holds for the recorded requests (polling), or rejects after `timeoutMs`. */
  async waitFor(predicate: (requests: Received[]) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.requests)) {
      if (Date.now() > deadline) throw new Error(`receiver: condition not met within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Timestamps 15 minutes apart from 2021-01-01 00:00:00, in the contract's format. */
export function timestamps(count: number, start = 0): string[] {
  const base = Date.UTC(2021, 0, 1);
  return Array.from({ length: count }, (_, i) =>
    new Date(base + (start + i) * 900_000).toISOString().replace('T', ' ').slice(0, 19),
  );
}

/** A /detection body in the nested (`values`) or flat form. */
export function block(
  station: string,
  times: readonly string[],
  values: Record<string, readonly (number | null | undefined)[]>,
  form: 'nested' | 'flat' = 'nested',
) {
  const mostres = times.map((timestamp, i) => {
    const vals: Record<string, number | null> = {};
    for (const [name, series] of Object.entries(values)) {
      const v = series[i];
      if (v !== undefined) vals[name] = v;
    }
    return form === 'nested' ? { timestamp, values: vals } : { timestamp, ...vals };
  });
  return { id_estacio: station, numero_mostres: mostres.length, mostres };
}

/** POSTs /initialize for each station with `variables` and expects each to be accepted. */
export async function initializeStations(
  app: FastifyInstance,
  stations: readonly string[],
  variables: Record<string, unknown> = { v: 8 },
): Promise<void> {
  for (const id of stations) {
    const res = await app.inject({
      method: 'POST',
      url: '/initialize',
      payload: { id_estacio: id, variables },
    });
    expect(res.statusCode).toBe(200);
  }
}

/** A station record with no variables (the stores' tests): `fields` override the defaults. */
export function stationRecord(id: string, fields: Partial<StationRecord> = {}): StationRecord {
  return {
    formatVersion: 1,
    id,
    epoch: 'e',
    createdAt: 't',
    updatedAt: 't',
    blocks: 0,
    unknown: 0,
    nextEntrySeq: 0,
    historyNext: 0,
    outbox: [],
    variables: {},
    ...fields,
  };
}
