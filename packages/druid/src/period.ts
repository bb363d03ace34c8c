/**
 * ISO-8601 periods (`PT5M`, `P1D`, `P1M`, `P1Y2M10DT2H30M`) as calendar fields, as Druid (Joda-Time) reads them.
 * A month is a calendar month, not a fixed number of seconds: `nominalSeconds` gives the conventional length
 * (month = 30 days, year = 365 days) for per-second rates, and `periodSecondsAt` the exact length of one bucket.
 */
import { DruidQueryError } from './errors.js';

export interface Period {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  /** May be fractional (`PT0.5S`). */
  seconds: number;
}

const SECOND = 1;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Conventional month length for rates: 30 days (Joda's `Months.toStandardSeconds` uses the same). */
export const NOMINAL_MONTH_SECONDS = 30 * DAY;
/** Conventional year length for rates: 365 days. */
export const NOMINAL_YEAR_SECONDS = 365 * DAY;

// Druid/Joda accept lower case (the reference template says "pt5m"); every field optional, at least one present.
const PERIOD_PATTERN =
  /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/**
 * Parses an ISO-8601 period. `field` names the input in the error.
 * @throws {DruidQueryError} when `text` is not a period or is zero.
 * @example parsePeriod('PT5M') // { minutes: 5, others 0 }
 */
export function parsePeriod(text: string, field = 'period'): Period {
  const m = PERIOD_PATTERN.exec(text);
  if (!m || text.toUpperCase().endsWith('T')) {
    throw new DruidQueryError(field, `not an ISO-8601 period: ${JSON.stringify(text)}`);
  }
  const n = (i: number): number => (m[i] === undefined ? 0 : Number(m[i]));
  const period: Period = {
    years: n(1),
    months: n(2),
    weeks: n(3),
    days: n(4),
    hours: n(5),
    minutes: n(6),
    seconds: n(7),
  };
  if (Object.values(period).every((v) => v === 0)) {
    throw new DruidQueryError(field, `the period ${JSON.stringify(text)} is empty`);
  }
  return period;
}

/** Canonical upper-case ISO-8601 text of a period (`PT5M`). */
export function formatPeriod(p: Period): string {
  const date = `${p.years ? `${p.years}Y` : ''}${p.months ? `${p.months}M` : ''}${p.weeks ? `${p.weeks}W` : ''}${
    p.days ? `${p.days}D` : ''
  }`;
  const time = `${p.hours ? `${p.hours}H` : ''}${p.minutes ? `${p.minutes}M` : ''}${p.seconds ? `${p.seconds}S` : ''}`;
  return `P${date}${time ? `T${time}` : ''}`;
}

/** True when the period has calendar fields (months, years) whose length depends on the date. */
export function isCalendarPeriod(p: Period): boolean {
  return p.years !== 0 || p.months !== 0;
}

/**
 * Conventional length of a period in seconds: weeks 7 d, days 24 h (UTC, no DST), months 30 d, years 365 d.
 * Exact for periods without months or years; use `periodSecondsAt` for the exact length of a calendar bucket.
 */
export function nominalSeconds(p: Period): number {
  return (
    p.years * NOMINAL_YEAR_SECONDS +
    p.months * NOMINAL_MONTH_SECONDS +
    p.weeks * 7 * DAY +
    p.days * DAY +
    p.hours * HOUR +
    p.minutes * MINUTE +
    p.seconds
  );
}

/** Adds a period to an instant (epoch ms), in UTC, calendar fields first as Joda does. */
export function addPeriod(startMs: number, p: Period): number {
  const d = new Date(startMs);
  if (isCalendarPeriod(p)) {
    const day = d.getUTCDate();
    d.setUTCDate(1);
    d.setUTCFullYear(d.getUTCFullYear() + p.years, d.getUTCMonth() + p.months);
    // Joda clamps to the last day of the month (Jan 31 + P1M = Feb 28/29).
    const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    d.setUTCDate(Math.min(day, lastDay));
  }
  return d.getTime() + nominalSeconds({ ...p, years: 0, months: 0 }) * 1000;
}

/** Exact length in seconds of the bucket of period `p` that starts at `startMs` (UTC): March is 31 days. */
export function periodSecondsAt(p: Period, startMs: number): number {
  return (addPeriod(startMs, p) - startMs) / 1000;
}
