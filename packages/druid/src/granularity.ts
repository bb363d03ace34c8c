/**
 * Druid query granularities: named (`"hour"`, `"fifteen_minute"`, ...), period objects
 * (`{"type":"period","period":"PT5M","timeZone":...,"origin":...}`), duration objects
 * (`{"type":"duration","duration":300000}`) and, as a convenience, bare ISO-8601 periods (`"PT5M"`).
 * See https://druid.apache.org/docs/latest/querying/granularities
 */
import { DruidQueryError } from './errors.js';
import { formatPeriod, nominalSeconds, type Period, parsePeriod, periodSecondsAt } from './period.js';

export type Granularity =
  /** Buckets of a calendar-aware period (named granularities other than all/none are periods too). */
  | { kind: 'period'; period: Period; timeZone?: string; origin?: string }
  /** Buckets of a fixed number of milliseconds. */
  | { kind: 'duration'; durationMs: number; origin?: string }
  /** One bucket for the whole interval. */
  | { kind: 'all' }
  /** Millisecond buckets (Druid's `none`). */
  | { kind: 'none' };

/** Druid's named granularities (GranularityType) that are periods. */
const NAMED_PERIODS: Readonly<Record<string, string>> = {
  second: 'PT1S',
  minute: 'PT1M',
  five_minute: 'PT5M',
  ten_minute: 'PT10M',
  fifteen_minute: 'PT15M',
  thirty_minute: 'PT30M',
  hour: 'PT1H',
  six_hour: 'PT6H',
  eight_hour: 'PT8H',
  day: 'P1D',
  week: 'P1W',
  month: 'P1M',
  quarter: 'P3M',
  year: 'P1Y',
};

/**
 * Parses a granularity as Druid would (names are case-insensitive).
 * @throws {DruidQueryError} naming `field` for anything else.
 */
export function parseGranularity(value: unknown, field = 'granularity'): Granularity {
  if (typeof value === 'string') {
    const name = value.toLowerCase();
    if (name === 'all') return { kind: 'all' };
    if (name === 'none') return { kind: 'none' };
    const named = NAMED_PERIODS[name];
    if (named) return { kind: 'period', period: parsePeriod(named, field) };
    if (/^p/i.test(value)) return { kind: 'period', period: parsePeriod(value, field) };
    throw new DruidQueryError(field, `unknown granularity ${JSON.stringify(value)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DruidQueryError(field, 'expected a granularity name or object');
  }
  const g = value as Record<string, unknown>;
  const origin = optionalString(g.origin, `${field}.origin`);
  switch (g.type) {
    case 'period': {
      if (typeof g.period !== 'string')
        throw new DruidQueryError(`${field}.period`, 'expected an ISO-8601 period');
      const timeZone = optionalString(g.timeZone, `${field}.timeZone`);
      return {
        kind: 'period',
        period: parsePeriod(g.period, `${field}.period`),
        ...(timeZone ? { timeZone } : {}),
        ...(origin ? { origin } : {}),
      };
    }
    case 'duration': {
      const ms = Number(g.duration);
      if (
        !Number.isFinite(ms) ||
        ms <= 0 ||
        (typeof g.duration !== 'number' && typeof g.duration !== 'string')
      ) {
        throw new DruidQueryError(`${field}.duration`, 'expected a positive number of milliseconds');
      }
      return { kind: 'duration', durationMs: ms, ...(origin ? { origin } : {}) };
    }
    case 'all':
      return { kind: 'all' };
    case 'none':
      return { kind: 'none' };
    default:
      throw new DruidQueryError(`${field}.type`, `unknown granularity type ${JSON.stringify(g.type)}`);
  }
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new DruidQueryError(field, 'expected a string');
  return value;
}

/**
 * Seconds in one bucket, for per-second rates: periods use `nominalSeconds` (month = 30 days, year = 365 days),
 * durations their length, `none` one millisecond. `all` has no bucket length of its own: pass the query's total
 * interval length as `allSeconds` (otherwise a DruidQueryError).
 */
export function granularitySeconds(g: Granularity, allSeconds?: number): number {
  switch (g.kind) {
    case 'period':
      return nominalSeconds(g.period);
    case 'duration':
      return g.durationMs / 1000;
    case 'none':
      return 0.001;
    case 'all':
      if (allSeconds === undefined || !(allSeconds > 0)) {
        throw new DruidQueryError(
          'granularity',
          '"all" needs the query intervals to compute per-second rates',
        );
      }
      return allSeconds;
  }
}

/** Exact seconds of the bucket starting at `startMs` (calendar months differ); same as nominal otherwise. */
export function bucketSeconds(g: Granularity, startMs: number, allSeconds?: number): number {
  return g.kind === 'period' ? periodSecondsAt(g.period, startMs) : granularitySeconds(g, allSeconds);
}

/** The granularity as Druid JSON (period objects keep their time zone and origin). */
export function granularityToJson(g: Granularity): unknown {
  switch (g.kind) {
    case 'period':
      return {
        type: 'period',
        period: formatPeriod(g.period),
        ...(g.timeZone ? { timeZone: g.timeZone } : {}),
        ...(g.origin ? { origin: g.origin } : {}),
      };
    case 'duration':
      return { type: 'duration', duration: g.durationMs, ...(g.origin ? { origin: g.origin } : {}) };
    default:
      return g.kind;
  }
}
