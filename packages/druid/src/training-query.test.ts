import { describe, expect, it } from 'vitest';
import { DruidQueryError } from './errors.js';
import { parseTimeseriesQuery } from './query.js';
import { redborderFixture } from './testing/druid-stand-in.js';
import { trafficAggregations, trafficPostAggregations } from './traffic-model.js';
import { buildTrainingQuery } from './training-query.js';

describe('buildTrainingQuery', () => {
  const endMs = Date.parse('2024-05-31T12:00:00Z');

  it('fills the reference template for a sensor, granularity and look-back', () => {
    const template = redborderFixture('train_query_template') as Record<string, unknown>;
    const q = buildTrainingQuery({ sensor: 'ASR', granularity: 'PT5M', endMs });
    expect(Object.keys(q).sort()).toEqual(
      [...Object.keys(template), 'aggregations', 'postAggregations'].sort(),
    );
    expect(q).toMatchObject({
      dataSource: template.dataSource,
      queryType: 'timeseries',
      granularity: { type: 'period', period: 'PT5M' },
      intervals: ['2024-05-30T12:00:00.000Z/2024-05-31T12:00:00.000Z'],
      filter: { type: 'selector', dimension: 'sensor_name', value: 'ASR' },
      context: template.context,
      limitSpec: template.limitSpec,
    });
    expect(q.aggregations).toEqual(trafficAggregations());
    expect(q.postAggregations).toEqual(trafficPostAggregations(300));
    expect(() => parseTimeseriesQuery(q)).not.toThrow();
  });

  it('computes the per-second post-aggregations of each granularity', () => {
    for (const [granularity, seconds, interval] of [
      ['PT1M', 60, '2024-05-24T12:00:00.000Z/2024-05-31T12:00:00.000Z'],
      ['hour', 3600, '2024-05-24T12:00:00.000Z/2024-05-31T12:00:00.000Z'],
      // Noon is inside a day: the query ends where that day began.
      [{ type: 'period', period: 'P1D' }, 86_400, '2024-05-24T00:00:00.000Z/2024-05-31T00:00:00.000Z'],
    ] as const) {
      const q = buildTrainingQuery({ sensor: 's', granularity, endMs, lookBackMs: 7 * 86_400_000 });
      expect(q.postAggregations).toEqual(trafficPostAggregations(seconds));
      expect(q.intervals).toEqual([interval]);
    }
  });

  describe('asks for whole buckets only', () => {
    const now = Date.parse('2024-05-31T12:34:56.789Z');
    const interval = (
      granularity: unknown,
      options: { startMs?: number; lookBackMs?: number; endMs?: number },
    ) => buildTrainingQuery({ sensor: 's', granularity, endMs: now, ...options }).intervals;

    it.each([
      ['minute', 3_600_000, '2024-05-31T11:34:00.000Z/2024-05-31T12:34:00.000Z'],
      ['hour', 86_400_000, '2024-05-30T12:00:00.000Z/2024-05-31T12:00:00.000Z'],
      ['PT5M', 3_600_000, '2024-05-31T11:30:00.000Z/2024-05-31T12:30:00.000Z'],
      ['P1D', 7 * 86_400_000, '2024-05-24T00:00:00.000Z/2024-05-31T00:00:00.000Z'],
    ])(
      '%s over a look-back ends where the bucket of "now" starts: %s ms → %s',
      (granularity, lookBackMs, expected) => {
        expect(interval(granularity, { lookBackMs })).toEqual([expected]);
      },
    );

    it('keeps an end on a boundary and moves an end one millisecond past it back', () => {
      const boundary = Date.parse('2024-05-31T12:00:00Z');
      for (const endMs of [boundary, boundary + 1, boundary + 3_599_999]) {
        expect(interval('hour', { endMs, lookBackMs: 3 * 3_600_000 })).toEqual([
          '2024-05-31T09:00:00.000Z/2024-05-31T12:00:00.000Z',
        ]);
      }
      expect(interval('hour', { endMs: boundary - 1, lookBackMs: 3 * 3_600_000 })).toEqual([
        '2024-05-31T08:00:00.000Z/2024-05-31T11:00:00.000Z',
      ]);
    });

    it('trains a past period on the whole buckets inside it', () => {
      const startMs = Date.parse('2024-05-01T10:02:00Z');
      const endMs = Date.parse('2024-05-03T07:30:00Z');
      expect(interval('hour', { startMs, endMs })).toEqual([
        '2024-05-01T11:00:00.000Z/2024-05-03T07:00:00.000Z',
      ]);
      expect(interval('P1D', { startMs, endMs })).toEqual([
        '2024-05-02T00:00:00.000Z/2024-05-03T00:00:00.000Z',
      ]);
    });

    it("follows the granularity's time zone and origin", () => {
      const madrid = { type: 'period', period: 'P1D', timeZone: 'Europe/Madrid' };
      expect(interval(madrid, { lookBackMs: 2 * 86_400_000 })).toEqual([
        '2024-05-28T22:00:00.000Z/2024-05-30T22:00:00.000Z',
      ]);
      const shifted = { type: 'period', period: 'PT1H', origin: '2024-01-01T00:15:00Z' };
      expect(interval(shifted, { lookBackMs: 3_600_000 })).toEqual([
        '2024-05-31T11:15:00.000Z/2024-05-31T12:15:00.000Z',
      ]);
    });

    it('refuses a period that holds no whole bucket, naming the intervals', () => {
      const startMs = Date.parse('2024-05-31T10:02:00Z');
      expect(() => interval('hour', { startMs, endMs: Date.parse('2024-05-31T10:58:00Z') })).toThrow(
        expect.objectContaining({ field: 'intervals' }),
      );
    });
  });

  it('rejects an empty sensor and a bad granularity', () => {
    expect(() => buildTrainingQuery({ sensor: '', granularity: 'PT5M' })).toThrow(RangeError);
    expect(() => buildTrainingQuery({ sensor: 's', granularity: 'PT' })).toThrow(DruidQueryError);
    expect(() => buildTrainingQuery({ sensor: 's', granularity: 'PT5M', lookBackMs: -1, endMs })).toThrow(
      DruidQueryError,
    );
  });
});
