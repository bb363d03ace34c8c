/** Shared pieces of the metric-detection API tests: synthetic traffic, encodings, a trained model, the app. */
import type { MetricRow } from '@outliers/core';
import type { DruidClient } from '@outliers/druid';
import type { ModelStore } from '@outliers/model-store';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { tempDir, testConfig } from './helpers.js';

export const HOUR = 3_600_000;
/** A Monday: training starts here, so every weekday is present in both training and detection. */
export const START = Date.UTC(2024, 4, 6);

/**
 * Hourly network traffic with a daily cycle, a weekly cycle and deterministic small noise (no Math.random: the
 * same rows on every run). `phase` changes the noise, not the pattern.
 */
export function trafficRows(count: number, { start = START, stepMs = HOUR, phase = 0 } = {}): MetricRow[] {
  return Array.from({ length: count }, (_, i) => {
    const time = start + i * stepMs;
    const hour = new Date(time).getUTCHours() + new Date(time).getUTCMinutes() / 60;
    // A smooth weekly cycle (lowest on Sunday): real traffic has no step at midnight.
    const weekend = 0.8 + 0.2 * Math.cos((2 * Math.PI * (time - START - 2.5 * 24 * HOUR)) / (7 * 24 * HOUR));
    const daily = 1.5 + Math.sin((2 * Math.PI * (hour - 6)) / 24);
    const noise = 1 + 0.04 * Math.sin(i * 7.31 + phase) + 0.02 * Math.cos(i * 3.17 + 2 * phase);
    const bytes = 1e8 * daily * weekend * noise;
    return {
      time,
      values: {
        bytes: Math.round(bytes),
        pkts: Math.round(bytes / 900),
        clients: 40 * daily * weekend + 5,
        flows: Math.round(bytes / 40_000),
      },
    };
  });
}

/** Rows as a Druid timeseries response. */
export function druidResponse(
  rows: readonly MetricRow[],
): { timestamp: string; result: Record<string, number> }[] {
  return rows.map((row) => ({ timestamp: new Date(row.time).toISOString(), result: { ...row.values } }));
}

export function base64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');
}

export type Fields = Record<string, string>;

export function formRequest(fields: Fields) {
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  };
}

export function multipartRequest(fields: Fields) {
  const boundary = '----outliers-test-boundary';
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: `${parts.join('')}--${boundary}--\r\n`,
  };
}

export function jsonRequest(body: unknown) {
  return { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) };
}

let trained: Promise<Record<string, Uint8Array>> | undefined;

/**
 * Files of a real autoencoder trained (once per test file) on 15 days of hourly traffic: enough for the weekday
 * features (span >= 1 week) and for a spike to stand out. About 2 s on the wasm backend.
 */
export function trainedModelFiles(): Promise<Record<string, Uint8Array>> {
  trained ??= (async () => {
    const { trainModel } = await import('@outliers/core/autoencoder');
    const model = await trainModel(trafficRows(24 * 15), { epochs: 60, seed: 1 });
    const files = await model.toFiles();
    model.dispose();
    return files;
  })();
  return trained;
}

export interface MetricApp {
  app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * The executor with a temporary state dir and the given model store / Druid client / configuration. The metric
 * work runs in the main thread unless `env` sets METRIC_WORKERS (worker threads from sources take seconds to start).
 */
export async function startMetricApp(
  options: { modelStore?: ModelStore; druid?: DruidClient; env?: Record<string, string> } = {},
): Promise<MetricApp> {
  const dir = await tempDir();
  const config = testConfig({
    STATE_DIR: dir.path,
    MODEL_DIR: `${dir.path}/models`,
    METRIC_WORKERS: '0',
    STATION_WORKERS: '0',
    ...options.env,
  });
  const app = await buildApp(config, {
    logger: pino({ level: 'silent' }),
    ...(options.modelStore ? { modelStore: options.modelStore } : {}),
    ...(options.druid ? { druid: options.druid } : {}),
  });
  await app.ready();
  return {
    app,
    async close() {
      await app.close();
      await dir.remove();
    },
  };
}
