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
    for (const [granularity, seconds] of [
      ['PT1M', 60],
      ['hour', 3600],
      [{ type: 'period', period: 'P1D' }, 86_400],
    ] as const) {
      const q = buildTrainingQuery({ sensor: 's', granularity, endMs, lookBackMs: 7 * 86_400_000 });
      expect(q.postAggregations).toEqual(trafficPostAggregations(seconds));
      expect(q.intervals).toEqual(['2024-05-24T12:00:00.000Z/2024-05-31T12:00:00.000Z']);
    }
  });

  it('rejects an empty sensor and a bad granularity', () => {
    expect(() => buildTrainingQuery({ sensor: '', granularity: 'PT5M' })).toThrow(RangeError);
    expect(() => buildTrainingQuery({ sensor: 's', granularity: 'PT' })).toThrow(DruidQueryError);
    expect(() => buildTrainingQuery({ sensor: 's', granularity: 'PT5M', lookBackMs: -1, endMs })).toThrow(
      DruidQueryError,
    );
  });
});
