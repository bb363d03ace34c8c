/**
 * Druid query intervals: ISO-8601 `start/end`, `start/period` or `period/end` strings (UTC unless the instants say
 * otherwise). https://druid.apache.org/docs/latest/querying/query-execution#intervals
 */
import { DruidQueryError } from './errors.js';
import { addPeriod, type Period, parsePeriod } from './period.js';

export interface Interval {
  /** Epoch milliseconds, inclusive. */
  startMs: number;
  /** Epoch milliseconds, exclusive. */
  endMs: number;
}

/** @throws {DruidQueryError} naming `field` when `text` is not an interval with start before end. */
export function parseInterval(text: string, field = 'intervals'): Interval {
  const parts = text.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new DruidQueryError(field, `expected "start/end", got ${JSON.stringify(text)}`);
  }
  const [a, b] = parts as [string, string];
  let interval: Interval;
  if (/^p/i.test(a)) {
    const endMs = parseInstant(b, field);
    interval = { startMs: subtractPeriod(endMs, parsePeriod(a, field)), endMs };
  } else if (/^p/i.test(b)) {
    const startMs = parseInstant(a, field);
    interval = { startMs, endMs: addPeriod(startMs, parsePeriod(b, field)) };
  } else {
    interval = { startMs: parseInstant(a, field), endMs: parseInstant(b, field) };
  }
  if (interval.endMs <= interval.startMs) {
    throw new DruidQueryError(field, `the interval ${JSON.stringify(text)} ends before it starts`);
  }
  return interval;
}

/** Formats an interval as Druid expects it (`2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z`). */
export function formatInterval(i: Interval): string {
  return `${new Date(i.startMs).toISOString()}/${new Date(i.endMs).toISOString()}`;
}

// ISO-8601 date or date-time; a bare date is midnight UTC, a date-time without offset is UTC (Druid's default).
const INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}(?::\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Parses an ISO-8601 date or date-time as Druid reads one: a bare date is midnight UTC, a date-time without an offset
 * is UTC.
 * @throws {DruidQueryError} naming `field` when `text` is not such an instant.
 */
export function parseInstant(text: string, field: string): number {
  if (!INSTANT.test(text))
    throw new DruidQueryError(field, `not an ISO-8601 instant: ${JSON.stringify(text)}`);
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(text) && text.includes('T');
  let normal = text.replace(/(\.\d{3})\d+/, '$1');
  if (/T\d{2}$/i.test(normal)) normal += ':00';
  const ms = Date.parse(hasZone || !text.includes('T') ? normal : `${normal}Z`);
  if (!Number.isFinite(ms)) throw new DruidQueryError(field, `not a valid instant: ${JSON.stringify(text)}`);
  return ms;
}

function subtractPeriod(endMs: number, p: Period): number {
  const negated: Period = {
    years: -p.years,
    months: -p.months,
    weeks: -p.weeks,
    days: -p.days,
    hours: -p.hours,
    minutes: -p.minutes,
    seconds: -p.seconds,
  };
  return addPeriod(endMs, negated);
}
