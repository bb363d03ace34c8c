import { readFileSync } from 'node:fs';
import type { MetricRow } from '@outliers/core';
import { parseTimestamp } from './series-csv.js';

/**
 * Reads a multivariate series for training: a Druid timeseries response (`[{ "timestamp": ISO, "result":
 * { metric: number } }]`, `.json`) or a CSV whose header names a `timestamp` column and one column per metric.
 * Values are passed through as read; `trainModel` checks them and names any bad field.
 * @throws {Error} naming the file (and line) when it is neither.
 */
export function readMetricRows(path: string): MetricRow[] {
  const text = readFileSync(path, 'utf8');
  return path.toLowerCase().endsWith('.json') ? druidRows(path, text) : csvRows(path, text);
}

/**
 * The rows in [from, to) (`--from` inclusive, `--to` exclusive); all rows when neither is set.
 * @throws {Error} naming the flags when no row falls inside.
 */
export function rowsInPeriod(
  rows: MetricRow[],
  period: { from?: Date; to?: Date },
  path: string,
): MetricRow[] {
  const { from, to } = period;
  if (!from && !to) return rows;
  const inside = rows.filter((r) => (!from || r.time >= from.getTime()) && (!to || r.time < to.getTime()));
  if (inside.length === 0) {
    const flags = [from && '--from', to && '--to'].filter(Boolean).join('/');
    const times = rows.map((r) => r.time);
    const span =
      rows.length === 0
        ? 'it has no rows'
        : `its rows span ${new Date(Math.min(...times)).toISOString()} .. ${new Date(Math.max(...times)).toISOString()}`;
    throw new Error(
      `${flags}: no rows of ${path} in [${from?.toISOString() ?? '-∞'}, ${to?.toISOString() ?? '∞'}) (${span})`,
    );
  }
  return inside;
}

function druidRows(path: string, text: string): MetricRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${path}: expected a Druid timeseries response (a JSON array)`);
  return parsed.map((row: { timestamp?: unknown; result?: unknown }, i) => {
    const time = typeof row?.timestamp === 'string' ? Date.parse(row.timestamp) : Number.NaN;
    if (!Number.isFinite(time)) throw new Error(`${path}: [${i}].timestamp is not an ISO time`);
    if (row.result == null || typeof row.result !== 'object')
      throw new Error(`${path}: [${i}].result is missing`);
    return { time, values: row.result as Record<string, number> };
  });
}

function csvRows(path: string, text: string): MetricRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const timeColumn = header.findIndex((h) => h.toLowerCase() === 'timestamp');
  if (timeColumn < 0) throw new Error(`${path}: header must name a 'timestamp' column`);
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    const values: Record<string, number> = {};
    header.forEach((name, c) => {
      // Empty cells stay NaN so that training names the row and metric.
      if (c !== timeColumn) values[name] = cells[c]?.trim() ? Number(cells[c]) : Number.NaN;
    });
    try {
      return { time: parseTimestamp(cells[timeColumn] ?? ''), values };
    } catch (error) {
      throw new Error(`${path}:${i + 2}: ${(error as Error).message}`);
    }
  });
}
