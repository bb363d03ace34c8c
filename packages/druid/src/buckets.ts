/**
 * Where a granularity's buckets start, as Druid places them (PeriodGranularity, DurationGranularity). Buckets are
 * counted from the granularity's origin, by default 1970-01-01T00:00 in its time zone. Periods of days and longer
 * step through the zone's local calendar (a P1D bucket starts at local midnight on both sides of a DST change),
 * shorter ones through elapsed time; a one-week period without an origin starts on Monday, as in Druid.
 *
 * Why it matters: a query interval that cuts a bucket makes Druid answer that bucket with only part of its data,
 * which looks like a dip; asking for whole buckets only avoids it.
 */
import { DruidQueryError } from './errors.js';
import type { Granularity } from './granularity.js';
import { parseInstant } from './interval.js';
import { addPeriod, formatPeriod, isCalendarPeriod, nominalSeconds, type Period } from './period.js';

export interface Bucket {
  /** Epoch milliseconds, inclusive. */
  startMs: number;
  /** Epoch milliseconds, exclusive. */
  endMs: number;
}

type PeriodGranularity = Extract<Granularity, { kind: 'period' }>;

const DAY_MS = 86_400_000;
/** 1970-01-05, the first Monday of the epoch (local calendar coordinates). */
const FIRST_MONDAY_MS = 4 * DAY_MS;
const UNITS = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds'] as const;
const ELAPSED_UNIT_MS = { hours: 3_600_000, minutes: 60_000, seconds: 1000 } as const;

/**
 * The bucket holding the instant `ms`. `all` and `none` lay no grid over time: their "bucket" is the instant itself.
 * @throws {DruidQueryError} naming `granularity.timeZone` / `granularity.origin` when they cannot be read, and
 *   `granularity.period` for a period that mixes months or years with other fields.
 */
export function bucketAt(g: Granularity, ms: number): Bucket {
  switch (g.kind) {
    case 'all':
    case 'none':
      return { startMs: ms, endMs: ms };
    case 'duration':
      return elapsedBucket(ms, g.origin === undefined ? 0 : originMs(g.origin), g.durationMs);
    case 'period':
      return periodBucket(g, ms);
  }
}

/** The start of the bucket holding `ms` (`ms` itself when it starts a bucket). */
export function floorToBucket(g: Granularity, ms: number): number {
  return bucketAt(g, ms).startMs;
}

/** The first bucket start at or after `ms`. */
export function ceilToBucket(g: Granularity, ms: number): number {
  const bucket = bucketAt(g, ms);
  return bucket.startMs === ms ? ms : bucket.endMs;
}

function periodBucket(g: PeriodGranularity, ms: number): Bucket {
  const zone = zoneOf(g.timeZone);
  const origin = g.origin === undefined ? zone.toInstant(0) : originMs(g.origin);
  const fields = UNITS.filter((unit) => g.period[unit] !== 0);
  const unit = fields.length === 1 ? fields[0]! : undefined;
  if (unit === undefined) {
    if (isCalendarPeriod(g.period)) {
      throw new DruidQueryError(
        'granularity.period',
        `cannot place the buckets of ${formatPeriod(g.period)}: it mixes months or years with other fields`,
      );
    }
    return elapsedBucket(ms, origin, nominalSeconds(g.period) * 1000);
  }
  const count = g.period[unit];
  if (unit === 'hours' || unit === 'minutes' || unit === 'seconds') {
    return elapsedBucket(ms, origin, count * ELAPSED_UNIT_MS[unit]);
  }
  if (unit === 'days' || unit === 'weeks') {
    const monday = unit === 'weeks' && count === 1 && g.origin === undefined;
    const local = elapsedBucket(
      zone.toLocal(ms),
      monday ? FIRST_MONDAY_MS : zone.toLocal(origin),
      count * (unit === 'weeks' ? 7 : 1) * DAY_MS,
    );
    return { startMs: zone.toInstant(local.startMs), endMs: zone.toInstant(local.endMs) };
  }
  return calendarBucket(zone, ms, origin, count * (unit === 'years' ? 12 : 1));
}

/** Buckets of `step` ms counted from `origin`. */
function elapsedBucket(ms: number, origin: number, step: number): Bucket {
  const startMs = origin + Math.floor((ms - origin) / step) * step;
  return { startMs, endMs: startMs + step };
}

/** Buckets of `months` calendar months counted from the origin's local date and time. */
function calendarBucket(zone: Zone, ms: number, origin: number, months: number): Bucket {
  const local = zone.toLocal(ms);
  const localOrigin = zone.toLocal(origin);
  const at = new Date(local);
  const from = new Date(localOrigin);
  let m = (at.getUTCFullYear() - from.getUTCFullYear()) * 12 + at.getUTCMonth() - from.getUTCMonth();
  m -= mod(m, months);
  // The month count ignores day and time: the origin's day in that month may still lie ahead.
  if (addMonths(localOrigin, m) > local) m -= months;
  return {
    startMs: zone.toInstant(addMonths(localOrigin, m)),
    endMs: zone.toInstant(addMonths(localOrigin, m + months)),
  };
}

function addMonths(ms: number, months: number): number {
  const period: Period = { years: 0, months, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
  return addPeriod(ms, period);
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

function originMs(text: string): number {
  return parseInstant(text, 'granularity.origin');
}

/** Converts between instants and local wall-clock times written as if they were UTC epoch milliseconds. */
interface Zone {
  toLocal(ms: number): number;
  toInstant(localMs: number): number;
}

const UTC_ZONE: Zone = { toLocal: (ms) => ms, toInstant: (ms) => ms };
const zones = new Map<string, Zone>();

function zoneOf(timeZone: string | undefined): Zone {
  if (timeZone === undefined || timeZone.toUpperCase() === 'UTC') return UTC_ZONE;
  let zone = zones.get(timeZone);
  if (!zone) {
    zone = intlZone(timeZone);
    zones.set(timeZone, zone);
  }
  return zone;
}

function intlZone(timeZone: string): Zone {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new DruidQueryError('granularity.timeZone', `unknown time zone ${JSON.stringify(timeZone)}`);
  }
  const offset = (ms: number): number => {
    const part: Record<string, number> = {};
    for (const p of format.formatToParts(ms)) part[p.type] = Number(p.value);
    const wall = Date.UTC(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!);
    return wall - (ms - mod(ms, 1000));
  };
  return {
    toLocal: (ms) => ms + offset(ms),
    // The offset at the answer, found in two steps (the first guess may sit across a DST change).
    toInstant: (local) => local - offset(local - offset(local)),
  };
}
