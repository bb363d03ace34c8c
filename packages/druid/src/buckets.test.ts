import { describe, expect, it } from 'vitest';
import { bucketAt, ceilToBucket, floorToBucket } from './buckets.js';
import { DruidQueryError } from './errors.js';
import { parseGranularity } from './granularity.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const bucket = (granularity: unknown, instant: string) => {
  const b = bucketAt(parseGranularity(granularity), at(instant));
  return [iso(b.startMs), iso(b.endMs)];
};

describe('bucketAt', () => {
  it.each([
    ['minute', '2024-05-31T12:34:56.789Z', '2024-05-31T12:34:00.000Z', '2024-05-31T12:35:00.000Z'],
    ['hour', '2024-05-31T12:34:56.789Z', '2024-05-31T12:00:00.000Z', '2024-05-31T13:00:00.000Z'],
    ['PT5M', '2024-05-31T12:34:56.789Z', '2024-05-31T12:30:00.000Z', '2024-05-31T12:35:00.000Z'],
    ['P1D', '2024-05-31T12:34:56.789Z', '2024-05-31T00:00:00.000Z', '2024-06-01T00:00:00.000Z'],
    // Druid's weeks start on Monday; 2024-05-31 is a Friday.
    ['week', '2024-05-31T12:00:00Z', '2024-05-27T00:00:00.000Z', '2024-06-03T00:00:00.000Z'],
    ['month', '2024-02-15T00:00:00Z', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['quarter', '2024-05-15T00:00:00Z', '2024-04-01T00:00:00.000Z', '2024-07-01T00:00:00.000Z'],
    ['PT6H', '2024-05-31T05:59:59.999Z', '2024-05-31T00:00:00.000Z', '2024-05-31T06:00:00.000Z'],
    // 36-hour buckets counted from 1970-01-01: 19,874 days is 13,249⅓ buckets.
    ['P1DT12H', '2024-05-31T12:00:00Z', '2024-05-30T12:00:00.000Z', '2024-06-01T00:00:00.000Z'],
    [
      { type: 'duration', duration: 7_200_000 },
      '2024-05-31T13:59:00Z',
      '2024-05-31T12:00:00.000Z',
      '2024-05-31T14:00:00.000Z',
    ],
  ])('%j buckets %s into [%s, %s)', (granularity, instant, start, end) => {
    expect(bucket(granularity, instant)).toEqual([start, end]);
  });

  it('an instant on a boundary starts its bucket', () => {
    for (const g of ['minute', 'hour', 'PT5M', 'P1D']) {
      expect(bucket(g, '2024-05-31T00:00:00Z')[0]).toBe('2024-05-31T00:00:00.000Z');
      expect(bucket(g, '2024-05-30T23:59:59.999Z')[1]).toBe('2024-05-31T00:00:00.000Z');
    }
  });

  it('counts days in the time zone, across a DST change', () => {
    const madrid = (period: string) => ({ type: 'period', period, timeZone: 'Europe/Madrid' });
    // 14:00 in Madrid (UTC+2): the day started at 22:00 UTC the day before.
    expect(bucket(madrid('P1D'), '2024-05-31T12:00:00Z')).toEqual([
      '2024-05-30T22:00:00.000Z',
      '2024-05-31T22:00:00.000Z',
    ]);
    // 2024-03-31 lost an hour in Madrid: a 23-hour day from midnight to midnight.
    expect(bucket(madrid('P1D'), '2024-03-31T12:00:00Z')).toEqual([
      '2024-03-30T23:00:00.000Z',
      '2024-03-31T22:00:00.000Z',
    ]);
    expect(bucket(madrid('P1M'), '2024-05-31T23:30:00Z')).toEqual([
      '2024-05-31T22:00:00.000Z',
      '2024-06-30T22:00:00.000Z',
    ]);
    // Hours of a zone half an hour off UTC start at half past in UTC.
    expect(
      bucket({ type: 'period', period: 'PT1H', timeZone: 'Asia/Kolkata' }, '2024-05-31T12:10:00Z'),
    ).toEqual(['2024-05-31T11:30:00.000Z', '2024-05-31T12:30:00.000Z']);
  });

  it('counts from the origin, also for instants before it', () => {
    const g = { type: 'period', period: 'PT1H', origin: '2030-01-01T00:15:00Z' };
    expect(bucket(g, '2024-05-31T12:10:00Z')).toEqual([
      '2024-05-31T11:15:00.000Z',
      '2024-05-31T12:15:00.000Z',
    ]);
    const days = { type: 'period', period: 'P2D', origin: '2024-05-30T06:00:00Z' };
    expect(bucket(days, '2024-05-29T07:00:00Z')).toEqual([
      '2024-05-28T06:00:00.000Z',
      '2024-05-30T06:00:00.000Z',
    ]);
    const months = { type: 'period', period: 'P1M', origin: '2024-01-15T00:00:00Z' };
    expect(bucket(months, '2024-03-10T00:00:00Z')).toEqual([
      '2024-02-15T00:00:00.000Z',
      '2024-03-15T00:00:00.000Z',
    ]);
    const duration = { type: 'duration', duration: 600_000, origin: '2024-01-01T00:03:00Z' };
    expect(bucket(duration, '2024-05-31T12:00:00Z')).toEqual([
      '2024-05-31T11:53:00.000Z',
      '2024-05-31T12:03:00.000Z',
    ]);
  });

  it('tiles time: consecutive buckets meet, each holds its instants', () => {
    const granularities = [
      'PT5M',
      'hour',
      'P1D',
      'week',
      'month',
      { type: 'period', period: 'P1D', timeZone: 'America/New_York' },
    ];
    for (const text of granularities) {
      const g = parseGranularity(text);
      let t = at('2024-01-01T00:00:00Z');
      for (let i = 0; i < 50; i++) {
        const b = bucketAt(g, t);
        expect(b.startMs).toBeLessThanOrEqual(t);
        expect(b.endMs).toBeGreaterThan(t);
        expect(bucketAt(g, b.endMs).startMs).toBe(b.endMs);
        t = b.endMs + ((i * 7_919_000) % (b.endMs - b.startMs));
      }
    }
  });

  it('rejects what it cannot place, naming the field', () => {
    for (const [granularity, field] of [
      [{ type: 'period', period: 'P1D', timeZone: 'Mars/Olympus' }, 'granularity.timeZone'],
      [{ type: 'period', period: 'P1D', origin: 'yesterday' }, 'granularity.origin'],
      [{ type: 'duration', duration: 60_000, origin: '2024-13-01' }, 'granularity.origin'],
      ['P1M15D', 'granularity.period'],
    ] as const) {
      try {
        bucketAt(parseGranularity(granularity), 0);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(DruidQueryError);
        expect((e as DruidQueryError).field).toBe(field);
      }
    }
  });
});

describe('floorToBucket and ceilToBucket', () => {
  const g = parseGranularity('PT5M');

  it('move inside instants to the bucket start before and after', () => {
    expect(iso(floorToBucket(g, at('2024-05-31T12:34:56Z')))).toBe('2024-05-31T12:30:00.000Z');
    expect(iso(ceilToBucket(g, at('2024-05-31T12:34:56Z')))).toBe('2024-05-31T12:35:00.000Z');
  });

  it('keep boundaries, one millisecond past moves on', () => {
    expect(iso(floorToBucket(g, at('2024-05-31T12:35:00Z')))).toBe('2024-05-31T12:35:00.000Z');
    expect(iso(ceilToBucket(g, at('2024-05-31T12:35:00Z')))).toBe('2024-05-31T12:35:00.000Z');
    expect(iso(ceilToBucket(g, at('2024-05-31T12:35:00.001Z')))).toBe('2024-05-31T12:40:00.000Z');
  });

  it('leave instants alone for "all" and "none"', () => {
    for (const name of ['all', 'none']) {
      expect(floorToBucket(parseGranularity(name), 1234.5)).toBe(1234.5);
      expect(ceilToBucket(parseGranularity(name), 1234.5)).toBe(1234.5);
    }
  });
});
