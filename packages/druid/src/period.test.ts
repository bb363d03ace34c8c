import { describe, expect, it } from 'vitest';
import { DruidQueryError } from './errors.js';
import { addPeriod, formatPeriod, nominalSeconds, parsePeriod, periodSecondsAt } from './period.js';

describe('parsePeriod', () => {
  it.each([
    ['PT1M', 60],
    ['PT5M', 300],
    ['pt5m', 300],
    ['PT1H', 3600],
    ['P1D', 86_400],
    ['P1W', 604_800],
    ['PT0.5S', 0.5],
    ['P1DT12H', 129_600],
    // A month is a calendar month, 30 days nominally: the reference read P1M as 60 s.
    ['P1M', 2_592_000],
    ['P3M', 7_776_000],
    ['P1Y', 31_536_000],
  ])('%s is %d nominal seconds', (text, seconds) => {
    expect(nominalSeconds(parsePeriod(text))).toBe(seconds);
  });

  it('keeps minutes and months apart', () => {
    expect(parsePeriod('P1M')).toMatchObject({ months: 1, minutes: 0 });
    expect(parsePeriod('PT1M')).toMatchObject({ months: 0, minutes: 1 });
  });

  it.each(['', 'P', 'PT', '5M', 'P1H', 'PT1D', 'P-1D', 'P0D', 'hour'])(
    'rejects %j naming the field',
    (text) => {
      expect(() => parsePeriod(text, 'granularity.period')).toThrow(DruidQueryError);
      expect(() => parsePeriod(text, 'granularity.period')).toThrow(/^granularity\.period: /);
    },
  );

  it('formats canonically', () => {
    expect(formatPeriod(parsePeriod('pt5m'))).toBe('PT5M');
    expect(formatPeriod(parsePeriod('P1Y2M3W4DT5H6M7S'))).toBe('P1Y2M3W4DT5H6M7S');
  });
});

describe('calendar buckets', () => {
  const at = (iso: string) => Date.parse(iso);

  it('measures each month by the calendar', () => {
    const month = parsePeriod('P1M');
    expect(periodSecondsAt(month, at('2024-02-01T00:00:00Z'))).toBe(29 * 86_400);
    expect(periodSecondsAt(month, at('2023-02-01T00:00:00Z'))).toBe(28 * 86_400);
    expect(periodSecondsAt(month, at('2024-03-01T00:00:00Z'))).toBe(31 * 86_400);
    expect(periodSecondsAt(parsePeriod('P1Y'), at('2024-01-01T00:00:00Z'))).toBe(366 * 86_400);
  });

  it('clamps to the end of a shorter month as Joda does', () => {
    expect(new Date(addPeriod(at('2024-01-31T10:00:00Z'), parsePeriod('P1M'))).toISOString()).toBe(
      '2024-02-29T10:00:00.000Z',
    );
  });

  it('is exact for fixed periods', () => {
    expect(periodSecondsAt(parsePeriod('PT5M'), at('2024-02-29T23:58:00Z'))).toBe(300);
  });
});
