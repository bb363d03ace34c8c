/**
 * Training data from a file, for users without Druid: a Druid timeseries response (.json) or a CSV (.csv) whose
 * header names a time column (`time` or `timestamp`: ISO-8601 or epoch milliseconds) and metric columns. The file
 * is one series, labelled by its sampling interval; rows outside the training interval are kept (a file is a
 * deliberate choice of data; the CLI's `train --from/--to` cuts a period out of one).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { MetricRow } from '@outliers/core';
import { parseTimeseriesResponse } from '@outliers/druid';
import { UnrecoverableError } from 'bullmq';
import type { SensorConfig } from '../config.js';
import type { TrainingDataSource } from './data-source.js';
import { samplingLabel } from './sampling-label.js';
import type { LabeledSeries } from './train-function.js';

export class FileTrainingSource implements TrainingDataSource {
  async load(sensor: SensorConfig): Promise<LabeledSeries[]> {
    if (!sensor.file) throw new UnrecoverableError(`sensor "${sensor.name}" has no training file`);
    const text = await readFile(sensor.file, 'utf8');
    const ext = extname(sensor.file).toLowerCase();
    try {
      if (ext === '.json') return [labelled(parseTimeseriesResponse(text, sensor.file).rows)];
      if (ext === '.csv') return [labelled(parseMetricCsv(text, sensor.file))];
    } catch (err) {
      // A malformed file stays malformed: fail the job for good, with the reason.
      throw new UnrecoverableError((err as Error).message);
    }
    throw new UnrecoverableError(`${sensor.file}: unknown training file type "${ext}" (use .json or .csv)`);
  }
}

/** The file's one series, labelled by its sampling interval (the executor reads labels as granularities). */
function labelled(rows: MetricRow[]): LabeledSeries {
  return { label: samplingLabel(rows), rows };
}

const TIME_COLUMNS = ['time', 'timestamp'];

/**
 * Parses a CSV of metrics: comma-separated, a header row, one time column, numeric metric columns. Empty cells are
 * left out of their row; anything else that is not a number is an error naming line and column. Rows are sorted.
 * @throws {RangeError} naming `file:line` and the column.
 */
export function parseMetricCsv(text: string, file = 'csv'): MetricRow[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0]?.split(',').map((h) => h.trim());
  if (!header) throw new RangeError(`${file}: empty file`);
  const timeIndex = header.findIndex((h) => TIME_COLUMNS.includes(h.toLowerCase()));
  if (timeIndex < 0) throw new RangeError(`${file}:1: needs a "time" or "timestamp" column`);
  const rows: MetricRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',').map((c) => c.trim());
    if (cells.length !== header.length) {
      throw new RangeError(`${file}:${i + 1}: expected ${header.length} cells, got ${cells.length}`);
    }
    const rawTime = cells[timeIndex]!;
    const time = /^\d+$/.test(rawTime) ? Number(rawTime) : Date.parse(rawTime);
    if (!Number.isFinite(time))
      throw new RangeError(`${file}:${i + 1}: ${header[timeIndex]}: not a time "${rawTime}"`);
    const values: Record<string, number> = {};
    cells.forEach((cell, c) => {
      if (c === timeIndex || cell === '') return;
      const value = Number(cell);
      if (!Number.isFinite(value))
        throw new RangeError(`${file}:${i + 1}: ${header[c]}: not a number "${cell}"`);
      values[header[c]!] = value;
    });
    rows.push({ time, values });
  }
  return rows.sort((a, b) => a.time - b.time);
}
