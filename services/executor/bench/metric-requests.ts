/**
 * The metric requests of the benches (druid-query.ts, soak.ts): synthetic minute traffic as a Druid timeseries
 * response, sent base64 in a form's `data` field as the monitoring UI does.
 */
import type { MetricRow } from '@outliers/core';

export const FORM = 'application/x-www-form-urlencoded';
/** Rows of a request: one day at PT1M. */
export const ROWS = 1440;
const MINUTE = 60_000;

/** One minute of traffic: daily cycle plus deterministic noise, and a spike every 500 minutes. */
export function row(i: number): MetricRow {
  const time = Date.UTC(2024, 4, 6) + i * MINUTE;
  const daily = 1.5 + Math.sin((2 * Math.PI * (i % 1440)) / 1440);
  const x = Math.sin(i * 12.9898) * 43758.5453;
  const noise = 1 + 0.05 * (x - Math.floor(x) - 0.5);
  const bytes = 2e6 * daily * noise * (i % 500 === 250 ? 8 : 1);
  return {
    time,
    values: {
      bytes: Math.round(bytes),
      pkts: Math.round(bytes / 900),
      clients: 30 * daily + 3,
      flows: Math.round(bytes / 4e4),
    },
  };
}

/** A Druid timeseries response of the rows, as Druid writes it. */
export function druidAnswer(rows: MetricRow[]): string {
  return JSON.stringify(rows.map((r) => ({ timestamp: new Date(r.time).toISOString(), result: r.values })));
}

/** The `data` field of a form request: base64 of a Druid timeseries response. */
export function base64Data(rows: MetricRow[]): string {
  return Buffer.from(druidAnswer(rows)).toString('base64');
}

/** A form request of `rows` as `data`, naming `model` when given. */
export function formBody(rows: MetricRow[], model?: string): string {
  const fields: Record<string, string> = { data: base64Data(rows) };
  if (model) fields.model = Buffer.from(model).toString('base64');
  return new URLSearchParams(fields).toString();
}
