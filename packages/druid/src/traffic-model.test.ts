import { describe, expect, it } from 'vitest';
import { parseTimeseriesQuery } from './query.js';
import { redborderFixture } from './testing/druid-stand-in.js';
import { rewriteForTrafficModel, trafficAggregations, trafficPostAggregations } from './traffic-model.js';

/** The reference's post_aggregations.json with its placeholder replaced, as the reference meant it. */
function referencePostAggregations(seconds: number): unknown {
  const text = JSON.stringify(redborderFixture('post_aggregations'));
  return JSON.parse(text.replaceAll('"seconds_per_granularity"', String(seconds)));
}

/** Druid's arithmetic post-aggregator semantics (division by zero gives 0), to evaluate ours on real rows. */
function evaluate(agg: unknown, row: Record<string, number>): number {
  const a = agg as { type: string; fn?: string; fields?: unknown[]; fieldName?: string; value?: number };
  if (a.type === 'constant') return a.value!;
  if (a.type === 'fieldAccess' || a.type === 'hyperUniqueCardinality') return row[a.fieldName!]!;
  const [x, y] = a.fields!.map((f) => evaluate(f, row)) as [number, number];
  if (a.fn === '*') return x * y;
  return y === 0 ? 0 : x / y;
}

const query = (granularity: unknown) => ({
  queryType: 'timeseries',
  dataSource: 'rb_flow',
  granularity,
  intervals: ['2023-10-12T00:00:00Z/2023-10-28T08:00:00Z'],
  aggregations: [{ type: 'count', name: 'rows' }],
  postAggregations: [{ type: 'arithmetic', name: 'ratio', fn: '/', fields: [] }],
  filter: { type: 'selector', dimension: 'sensor_name', value: 'ASR' },
});

describe('traffic-model rewrite', () => {
  it('uses the reference aggregations', () => {
    expect(trafficAggregations()).toEqual(redborderFixture('aggregations'));
  });

  it.each([
    ['PT1M', 60],
    ['PT5M', 300],
    ['PT1H', 3600],
    ['P1D', 86_400],
    ['P1M', 2_592_000],
  ])('at %s divides the per-second post-aggregations by %d', (period, seconds) => {
    const rewritten = rewriteForTrafficModel(parseTimeseriesQuery(query({ type: 'period', period })));
    expect(rewritten.postAggregations).toEqual(referencePostAggregations(seconds));
    expect(rewritten.aggregations).toEqual(redborderFixture('aggregations'));
  });

  it('keeps the rest of the query and does not modify its input', () => {
    const input = query('hour');
    const before = structuredClone(input);
    const rewritten = rewriteForTrafficModel(parseTimeseriesQuery(input));
    expect(input).toEqual(before);
    expect(rewritten).toMatchObject({ dataSource: 'rb_flow', granularity: 'hour', filter: input.filter });
    expect(rewritten.intervals).toEqual(input.intervals);
  });

  it('reproduces the rates Druid computed for the 8-hour fixture', () => {
    const rows = redborderFixture('druid_traffic_49x8h') as { result: Record<string, number> }[];
    const posts = trafficPostAggregations(8 * 3600) as { name: string }[];
    for (const { result } of rows) {
      for (const post of posts) expect(evaluate(post, result)).toBeCloseTo(result[post.name]!, 6);
    }
  });

  it('rejects a non-positive number of seconds', () => {
    expect(() => trafficPostAggregations(0)).toThrow(RangeError);
    expect(() => trafficPostAggregations(Number.NaN)).toThrow(RangeError);
  });
});
