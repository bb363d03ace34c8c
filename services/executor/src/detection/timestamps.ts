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

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
