import { describe, expect, it } from 'vitest';
import {
  type BucketGrid,
  fillMissingBuckets,
  MAX_FILLED_BUCKETS,
  queryBucketGrid,
  spacingBucketGrid,
} from './bucket-grid.js';
import { parseGranularity } from './granularity.js';
import { parseInterval } from './interval.js';
import type { TimeseriesRow } from './response.js';
import { trafficAggregations, trafficPostAggregations } from './traffic-model.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2024, 4, 6);
const sums = [{ type: 'longSum', name: 'bytes', fieldName: 'sum_bytes' }];
/** Long after every interval below: all their buckets are complete. */
const LATER = Date.UTC(2030, 0, 1);

/** Rows at T0 + i·step for each i, with bytes = i + 1 (never 0, so a filled row stands out). */
function rowsAt(step: number, indices: number[], start = T0): TimeseriesRow[] {
  return indices.map((i) => ({ time: start + i * step, values: { bytes: i + 1 } }));
}
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

function grid(
  granularity: unknown,
  interval: string,
  completeBeforeMs = LATER,
  query = { aggregations: sums },
) {
  return queryBucketGrid(query, parseGranularity(granularity), [parseInterval(interval)], completeBeforeMs);
}

/** The rows a Druid without skipEmptyBuckets would answer: every index in `all`, 0 where `rows` lack it. */
function zeroFilled(step: number, all: number[], present: number[], start = T0): TimeseriesRow[] {
  return all.map((i) => ({ time: start + i * step, values: { bytes: present.includes(i) ? i + 1 : 0 } }));
}

describe('queryBucketGrid + fillMissingBuckets', () => {
  it('fills a gap in the middle of minute buckets, and says which', () => {
    const present = [...range(0, 10), ...range(40, 60)];
    const g = grid('minute', '2024-05-06T00:00Z/2024-05-06T01:00Z')!;
    expect(g.stepMs).toBe(MINUTE);
    const { rows, filled } = fillMissingBuckets(rowsAt(MINUTE, present), g);
    expect(rows).toEqual(zeroFilled(MINUTE, range(0, 60), present));
    expect(filled).toEqual(range(10, 40).map((i) => T0 + i * MINUTE));
  });

  it('fills hour buckets at the start of the interval, before the first row', () => {
    const present = range(3, 24);
    const { rows, filled } = fillMissingBuckets(
      rowsAt(HOUR, present),
      grid('hour', '2024-05-06/2024-05-07')!,
    );
    expect(rows).toEqual(zeroFilled(HOUR, range(0, 24), present));
    expect(filled).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR]);
  });

  it('fills PT5M buckets at the end, up to the last complete bucket only', () => {
    const present = range(0, 6);
    // The query ran at 00:52:30: the 00:50 bucket is still filling, the 00:55 one has not begun.
    const ranAt = T0 + 52 * MINUTE + 30_000;
    const g = grid({ type: 'period', period: 'PT5M' }, '2024-05-06T00:00Z/2024-05-06T01:00Z', ranAt)!;
    const { rows, filled } = fillMissingBuckets(rowsAt(5 * MINUTE, present), g);
    expect(rows).toEqual(zeroFilled(5 * MINUTE, range(0, 10), present));
    expect(filled).toEqual(range(6, 10).map((i) => T0 + i * 5 * MINUTE));
  });

  it('keeps a row of an incomplete last bucket and fills the complete ones before it', () => {
    const ranAt = T0 + 10 * MINUTE + 1;
    const g = grid('minute', '2024-05-06T00:00Z/2024-05-06T01:00Z', ranAt)!;
    const { rows, filled } = fillMissingBuckets(rowsAt(MINUTE, [0, 1, 10]), g);
    expect(rows.map((r) => (r.time - T0) / MINUTE)).toEqual(range(0, 11));
    expect(filled).toHaveLength(8);
  });

  it('counts a bucket complete once its interval has ended, even if the bucket has not', () => {
    // Hour buckets over 00:00-02:30; at 02:45 the 02:00 bucket holds all the data it ever will.
    const g = grid('hour', '2024-05-06T00:00Z/2024-05-06T02:30Z', T0 + 2 * HOUR + 45 * MINUTE)!;
    expect(fillMissingBuckets(rowsAt(HOUR, [0]), g).filled).toEqual([T0 + HOUR, T0 + 2 * HOUR]);
  });

  it('lays a period with a time zone on the rows own alignment (Kolkata hours start at :30 UTC)', () => {
    const start = T0 + 30 * MINUTE;
    const g = grid(
      { type: 'period', period: 'PT1H', timeZone: 'Asia/Kolkata' },
      '2024-05-06T00:30Z/2024-05-06T06:30Z',
    )!;
    const { rows, filled } = fillMissingBuckets(rowsAt(HOUR, [0, 1, 4, 5], start), g);
    expect(rows).toEqual(zeroFilled(HOUR, range(0, 6), [0, 1, 4, 5], start));
    expect(filled).toEqual([start + 2 * HOUR, start + 3 * HOUR]);
  });

  it('fills UTC days, but not days in a time zone with daylight saving (23- and 25-hour days)', () => {
    expect(grid('day', '2024-03-01/2024-04-01')?.stepMs).toBe(DAY);
    expect(grid({ type: 'period', period: 'P1D', timeZone: 'UTC' }, '2024-03-01/2024-04-01')?.stepMs).toBe(
      DAY,
    );
    expect(
      grid({ type: 'period', period: 'P1D', timeZone: 'Europe/Madrid' }, '2024-03-01/2024-04-01'),
    ).toBeUndefined();
  });

  it('has no grid for all, none and calendar months', () => {
    for (const g of ['all', 'none', 'month', 'P1M', 'year'])
      expect(grid(g, '2024-01-01/2025-01-01')).toBeUndefined();
  });

  it('reads duration granularities', () => {
    expect(grid({ type: 'duration', duration: 300_000 }, '2024-05-06/2024-05-07')?.stepMs).toBe(5 * MINUTE);
  });

  it('fills sum, count and distinct-count metrics and the traffic post-aggregations (x/0 is 0)', () => {
    const query = {
      aggregations: trafficAggregations(),
      postAggregations: trafficPostAggregations(60),
    } as never;
    const g = grid('minute', '2024-05-06T00:00Z/2024-05-06T00:03Z', LATER, query)!;
    expect(g.zeros).toEqual({
      bytes: 0,
      pkts: 0,
      clients: 0,
      flows: 0,
      bps: 0,
      pps: 0,
      fps: 0,
      bytes_per_client: 0,
      bits_per_sec_per_client: 0,
      flows_per_client: 0,
      flows_per_sec_per_client: 0,
    });
    const counted = {
      aggregations: [
        { type: 'count', name: 'rows' },
        { type: 'filtered', name: 'tcp', aggregator: { type: 'doubleSum', name: 'tcp', fieldName: 'b' } },
        { type: 'cardinality', name: 'hosts' },
      ],
      // An empty bucket's value need not be 0: rows + 1 is 1 there.
      postAggregations: [
        {
          type: 'arithmetic',
          name: 'plus',
          fn: '+',
          fields: [
            { type: 'fieldAccess', fieldName: 'rows' },
            { type: 'constant', value: 1 },
          ],
        },
      ],
    } as never;
    expect(grid('minute', '2024-05-06/2024-05-07', LATER, counted)?.zeros).toEqual({
      rows: 0,
      tcp: 0,
      hosts: 0,
      plus: 1,
    });
  });

  it.each([
    ['a max aggregator', { aggregations: [...sums, { type: 'longMax', name: 'peak', fieldName: 'x' }] }],
    ['a last aggregator', { aggregations: [{ type: 'doubleLast', name: 'last', fieldName: 'x' }] }],
    ['a filtered min', { aggregations: [{ type: 'filtered', name: 'm', aggregator: { type: 'longMin' } }] }],
    ['no aggregations', { aggregations: [] }],
    [
      'an expression post-aggregation',
      { aggregations: sums, postAggregations: [{ type: 'expression', name: 'e', expression: 'bytes * 2' }] },
    ],
    [
      'a quotient 0/0',
      {
        aggregations: sums,
        postAggregations: [
          {
            type: 'arithmetic',
            name: 'q',
            fn: 'quotient',
            fields: [
              { type: 'fieldAccess', fieldName: 'bytes' },
              { type: 'fieldAccess', fieldName: 'bytes' },
            ],
          },
        ],
      },
    ],
    [
      'a post-aggregation reading an unknown field',
      {
        aggregations: sums,
        postAggregations: [
          { type: 'arithmetic', name: 'x', fn: '*', fields: [{ type: 'fieldAccess', fieldName: 'nope' }] },
        ],
      },
    ],
  ])('leaves the buckets missing with %s (its empty value is not known)', (_, query) => {
    expect(grid('minute', '2024-05-06/2024-05-07', LATER, query as never)).toBeUndefined();
  });

  it('leaves unaligned rows alone: off the grid, or outside the intervals', () => {
    const g = grid('minute', '2024-05-06T00:00Z/2024-05-06T01:00Z')!;
    const offGrid = rowsAt(MINUTE, [0, 1, 5]);
    offGrid[1]!.time += 30_000;
    expect(fillMissingBuckets(offGrid, g)).toEqual({ rows: offGrid, filled: [] });
    const outside = rowsAt(MINUTE, [0, 5, 70]);
    expect(fillMissingBuckets(outside, g)).toEqual({ rows: outside, filled: [] });
    const before = rowsAt(MINUTE, [-3, 5]);
    expect(fillMissingBuckets(before, g)).toEqual({ rows: before, filled: [] });
  });

  it("leaves rows alone whose metrics are not the query's (a null left out, or another query's answer)", () => {
    const g = grid('minute', '2024-05-06T00:00Z/2024-05-06T01:00Z')!;
    const lacking = rowsAt(MINUTE, [0, 1, 5]);
    lacking[1]!.values = {};
    expect(fillMissingBuckets(lacking, g)).toEqual({ rows: lacking, filled: [] });
    const other = rowsAt(MINUTE, [0, 5]).map((r) => ({ ...r, values: { ...r.values, pkts: 1 } }));
    expect(fillMissingBuckets(other, g)).toEqual({ rows: other, filled: [] });
  });

  it('returns the same rows when nothing is missing, and no rows stay no rows', () => {
    const g = grid('minute', '2024-05-06T00:00Z/2024-05-06T01:00Z')!;
    const full = rowsAt(MINUTE, range(0, 60));
    expect(fillMissingBuckets(full, g).rows).toBe(full);
    expect(fillMissingBuckets([], g)).toEqual({ rows: [], filled: [] });
  });

  it('fills each of several intervals, not the time between them', () => {
    const g = queryBucketGrid(
      { aggregations: sums },
      parseGranularity('hour'),
      [
        parseInterval('2024-05-06T10:00Z/2024-05-06T13:00Z'),
        parseInterval('2024-05-06T00:00Z/2024-05-06T03:00Z'),
      ],
      LATER,
    )!;
    const { filled } = fillMissingBuckets(rowsAt(HOUR, [1, 11]), g);
    expect(filled).toEqual([0, 2, 10, 12].map((i) => T0 + i * HOUR));
  });

  it('leaves the rows alone when more than MAX_FILLED_BUCKETS would be filled', () => {
    const g: BucketGrid = {
      stepMs: 1,
      intervals: [{ startMs: T0, endMs: T0 + MAX_FILLED_BUCKETS + 10 }],
      zeros: { bytes: 0 },
      completeBeforeMs: LATER,
    };
    const rows = rowsAt(1, [0, 5]);
    expect(fillMissingBuckets(rows, g).rows).toBe(rows);
  });
});

describe('spacingBucketGrid (rows without a query)', () => {
  it('fills inner gaps on the median spacing, every metric as a sum, nothing before or after', () => {
    const rows = rowsAt(5 * MINUTE, [0, 1, 2, 6, 7, 9]);
    const g = spacingBucketGrid(rows)!;
    expect(g.stepMs).toBe(5 * MINUTE);
    const { rows: out, filled } = fillMissingBuckets(rows, g);
    expect(out).toEqual(zeroFilled(5 * MINUTE, range(0, 10), [0, 1, 2, 6, 7, 9]));
    expect(filled).toEqual([3, 4, 5, 8].map((i) => T0 + i * 5 * MINUTE));
  });

  it('has nothing to fill for evenly spaced or too few rows', () => {
    expect(spacingBucketGrid(rowsAt(MINUTE, range(0, 100)))).toBeUndefined();
    expect(spacingBucketGrid(rowsAt(MINUTE, [0, 7]))).toBeUndefined();
  });

  it('leaves irregular rows alone (a gap that is not a multiple of the spacing)', () => {
    const rows = rowsAt(MINUTE, [0, 1, 2, 3]);
    rows[3]!.time += 20_000;
    expect(fillMissingBuckets(rows, spacingBucketGrid(rows)!)).toEqual({ rows, filled: [] });
  });
});
