/** Input checks shared by the metric models (shallow model and autoencoder). */
import { InvalidInputError } from './errors.js';
import type { MetricRow } from './metric-detection.js';

/**
 * Checks rows for the given metrics: a non-empty array, strictly increasing finite times, finite metric values.
 * @throws {InvalidInputError} naming the field, e.g. `rows[3].values.bytes` or `rows[0].time`.
 */
export function validateMetricRows(rows: readonly MetricRow[], metrics: readonly string[]): void {
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new InvalidInputError('rows', 'expected a non-empty array of rows');
  }
  if (metrics.length === 0) throw new InvalidInputError('metrics', 'expected at least one metric');
  let previous = Number.NEGATIVE_INFINITY;
  rows.forEach((row, i) => {
    if (row == null || typeof row.time !== 'number' || !Number.isFinite(row.time)) {
      throw new InvalidInputError(`rows[${i}].time`, 'expected a finite epoch time in milliseconds');
    }
    if (row.time <= previous) throw new InvalidInputError(`rows[${i}].time`, 'times must strictly increase');
    previous = row.time;
    for (const metric of metrics) {
      const value = row.values?.[metric];
      if (value === undefined) throw new InvalidInputError(`rows[${i}].values.${metric}`, 'missing metric');
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new InvalidInputError(`rows[${i}].values.${metric}`, `not a finite number (${String(value)})`);
      }
    }
  });
}

const MS_PER_DAY = 86_400_000;
const MS_PER_WEEK = 7 * MS_PER_DAY;

/** Angle in [0, 2π) of `time` (epoch ms) within its UTC day. */
export function dayAngle(time: number): number {
  return (2 * Math.PI * (((time % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY)) / MS_PER_DAY;
}

/**
 * Angle in [0, 2π) of `time` (epoch ms) within its week: the day plus the fraction of the day, so all seven days
 * are encoded and neighbours are close. Weeks are counted from the epoch (a Thursday, 00:00 UTC): the phase of a
 * cyclic encoding is arbitrary.
 */
export function weekAngle(time: number): number {
  return (2 * Math.PI * (((time % MS_PER_WEEK) + MS_PER_WEEK) % MS_PER_WEEK)) / MS_PER_WEEK;
}

/** Lengths of the calendar periods of the cyclic encodings. */
export const PERIOD_MS = { day: MS_PER_DAY, week: MS_PER_WEEK } as const;
