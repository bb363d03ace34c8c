/**
 * Sample timestamps: the contract's "2021-01-01 00:00:00" and ISO 8601 ("2021-01-01T00:00:00Z",
 * "2021-01-01T00:00:00.250+02:00", date only). Without a zone the time is UTC. Only used to order samples;
 * dates are reported back exactly as sent.
 */
export const TIMESTAMP_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:[.,]\\d{1,9})?)?)?(?:Z|z|[+-]\\d{2}(?::?\\d{2})?)?$';

const PARTS =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|z|([+-])(\d{2}):?(\d{2})?)?$/;

/**
 * Epoch milliseconds of a timestamp, or undefined when it is not a valid date and time (pattern, calendar day,
 * hour < 24, minute and second < 60, offset < 24 h). Sub-millisecond digits are truncated.
 */
export function parseTimestamp(text: string): number | undefined {
  const fast = parseContractForm(text);
  if (fast !== undefined) return fast;
  const m = PARTS.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', , sign, oh = '0', om = '0'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || Number(oh) > 23 || Number(om) > 59) return undefined;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 60_000;
}

/**
 * The contract's own form, "YYYY-MM-DD HH:MM:SS" (or with "T"), read digit by digit: every sample of a block has a
 * timestamp, and the general pattern cost more than the rest of the sample's bookkeeping. Undefined when the text
 * is not in this form or not a valid time (the general parser then decides). Whatever it reads also matches
 * TIMESTAMP_PATTERN (19 characters, ASCII digits where the pattern has `\d`).
 */
export function parseContractForm(t: string): number | undefined {
  if (t.length !== 19) return undefined;
  const sep = t.charCodeAt(10);
  if (t.charCodeAt(4) !== DASH || t.charCodeAt(7) !== DASH || (sep !== SPACE && sep !== LETTER_T))
    return undefined;
  if (t.charCodeAt(13) !== COLON || t.charCodeAt(16) !== COLON) return undefined;
  const year = digits(t, 0, 4);
  const month = digits(t, 5, 2);
  const day = digits(t, 8, 2);
  const hour = digits(t, 11, 2);
  const minute = digits(t, 14, 2);
  const second = digits(t, 17, 2);
  // A non-digit gives NaN, which fails every comparison below.
  if (!(month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59))
    return undefined;
  if (!(year >= 0) || day > daysInMonth(year, month)) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

const DASH = 45;
const SPACE = 32;
const LETTER_T = 84;
const COLON = 58;

/** The decimal number of `length` ASCII digits at `start`; NaN if any is not a digit. */
function digits(text: string, start: number, length: number): number {
  let n = 0;
  for (let i = start; i < start + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS[month - 1]!;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}
