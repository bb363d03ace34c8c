import { describe, expect, it } from 'vitest';
import { DruidQueryError } from './errors.js';
import { bucketSeconds, granularitySeconds, granularityToJson, parseGranularity } from './granularity.js';

describe('parseGranularity', () => {
  it.each([
    ['second', 1],
    ['minute', 60],
    ['five_minute', 300],
    ['fifteen_minute', 900],
    ['thirty_minute', 1800],
    ['HOUR', 3600],
    ['day', 86_400],
    ['week', 604_800],
    ['month', 2_592_000],
    ['quarter', 7_776_000],
    ['year', 31_536_000],
    ['none', 0.001],
    ['PT5M', 300],
    ['P1M', 2_592_000],
  ])('named or ISO %s is %d s per bucket', (name, seconds) => {
    expect(granularitySeconds(parseGranularity(name))).toBe(seconds);
  });

  it('reads period objects with time zone and origin', () => {
    const g = parseGranularity({ type: 'period', period: 'PT1H', timeZone: 'Europe/Madrid', origin: '' });
    expect(g).toMatchObject({ kind: 'period', timeZone: 'Europe/Madrid' });
    expect(g).not.toHaveProperty('origin');
    expect(granularitySeconds(g)).toBe(3600);
    expect(granularityToJson(g)).toEqual({ type: 'period', period: 'PT1H', timeZone: 'Europe/Madrid' });
  });

  it('reads duration objects in milliseconds', () => {
    expect(granularitySeconds(parseGranularity({ type: 'duration', duration: 7_200_000 }))).toBe(7200);
  });

  it('needs the intervals for "all"', () => {
    const all = parseGranularity('all');
    expect(granularitySeconds(all, 3600)).toBe(3600);
    expect(() => granularitySeconds(all)).toThrow(DruidQueryError);
  });

  it('gives the exact calendar length per bucket', () => {
    expect(bucketSeconds(parseGranularity('month'), Date.parse('2024-02-01T00:00:00Z'))).toBe(29 * 86_400);
    expect(bucketSeconds(parseGranularity('hour'), Date.parse('2024-02-01T00:00:00Z'))).toBe(3600);
  });

  it.each([
    ['fortnight', 'granularity'],
    [42, 'granularity'],
    [null, 'granularity'],
    [{ type: 'period' }, 'granularity.period'],
    [{ type: 'period', period: 'PT' }, 'granularity.period'],
    [{ type: 'duration', duration: -5 }, 'granularity.duration'],
    [{ type: 'duration', duration: 'soon' }, 'granularity.duration'],
    [{ type: 'calendar' }, 'granularity.type'],
  ])('rejects %j naming %s', (value, field) => {
    try {
      parseGranularity(value);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DruidQueryError);
      expect((e as DruidQueryError).field).toBe(field);
    }
  });
});
