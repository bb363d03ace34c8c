import { describe, expect, it } from 'vitest';
import { DruidQueryError, UnsupportedQueryTypeError } from './errors.js';
import { parseInterval } from './interval.js';
import { parseTimeseriesQuery } from './query.js';

const base = {
  queryType: 'timeseries',
  dataSource: 'rb_flow',
  granularity: { type: 'period', period: 'PT5M' },
  intervals: ['2023-09-21T09:00:00Z/2023-09-21T10:00:00Z'],
  aggregations: [{ type: 'longSum', name: 'bytes', fieldName: 'sum_bytes' }],
  filter: { type: 'selector', dimension: 'sensor_name', value: 'ASR' },
  context: { timeout: 90_000 },
};

function fieldOf(input: unknown): string {
  try {
    parseTimeseriesQuery(input);
  } catch (e) {
    if (e instanceof DruidQueryError) return e.field;
    throw e;
  }
  throw new Error('accepted');
}

describe('parseTimeseriesQuery', () => {
  it('accepts a timeseries query as JSON text or value and reads its granularity and intervals', () => {
    for (const input of [base, JSON.stringify(base)]) {
      const parsed = parseTimeseriesQuery(input);
      expect(parsed.query.dataSource).toBe('rb_flow');
      expect(parsed.granularitySeconds).toBe(300);
      expect(parsed.intervals).toEqual([
        { startMs: Date.parse('2023-09-21T09:00:00Z'), endMs: Date.parse('2023-09-21T10:00:00Z') },
      ]);
    }
  });

  it('passes unknown Druid fields through untouched', () => {
    const parsed = parseTimeseriesQuery({ ...base, descending: true, virtualColumns: [] });
    expect(parsed.query.descending).toBe(true);
    expect(parsed.query.virtualColumns).toEqual([]);
  });

  it('uses the total interval length for granularity "all"', () => {
    const parsed = parseTimeseriesQuery({ ...base, granularity: 'all', intervals: '2024-01-01/2024-01-02' });
    expect(parsed.granularitySeconds).toBe(86_400);
  });

  it('rejects other query types with a typed error', () => {
    expect(() => parseTimeseriesQuery({ ...base, queryType: 'groupBy' })).toThrow(UnsupportedQueryTypeError);
    expect(() => parseTimeseriesQuery({ ...base, queryType: 'topN' })).toThrow(/only "timeseries"/);
  });

  it.each([
    ['not json {', 'query'],
    [[], 'query'],
    [null, 'query'],
    [{ ...base, queryType: undefined }, 'queryType'],
    [{ ...base, dataSource: undefined }, 'dataSource'],
    [{ ...base, dataSource: '' }, 'dataSource'],
    [{ ...base, intervals: undefined }, 'intervals'],
    [{ ...base, intervals: [] }, 'intervals'],
    [{ ...base, intervals: ['yesterday'] }, 'intervals[0]'],
    [{ ...base, intervals: ['2024-01-02/2024-01-01'] }, 'intervals[0]'],
    [{ ...base, granularity: undefined }, 'granularity'],
    [{ ...base, granularity: 'fortnight' }, 'granularity'],
    [{ ...base, aggregations: [{ type: 'longSum' }] }, 'aggregations.0.name'],
    [{ ...base, filter: { dimension: 'x' } }, 'filter'],
  ])('rejects %j naming %s', (input, field) => {
    expect(fieldOf(input)).toBe(field);
  });
});

describe('parseInterval', () => {
  it('reads start/end, start/period and period/end', () => {
    const day = { startMs: Date.parse('2024-05-01T00:00:00Z'), endMs: Date.parse('2024-05-02T00:00:00Z') };
    expect(parseInterval('2024-05-01T00:00:00.000Z/2024-05-02T00:00:00.000Z')).toEqual(day);
    expect(parseInterval('2024-05-01/P1D')).toEqual(day);
    expect(parseInterval('P1D/2024-05-02T00:00Z')).toEqual(day);
    expect(parseInterval('2024-05-01T02:00:00+02:00/2024-05-02T00:00:00')).toEqual(day);
  });
});
