/**
 * The buckets a timeseries answer should have, and zeros for the ones it lacks. With `skipEmptyBuckets` Druid drops
 * the buckets where nothing was ingested (an outage) instead of answering zeros; laying the query's granularity over
 * the rows brings them back, as Druid itself answers without that flag: 0 for sum, count and distinct-count
 * aggregators, and arithmetic post-aggregations computed on those zeros (a division by zero is 0).
 *
 * The grid is anchored on the answer's own first row (Druid's bucket starts depend on the time zone, the origin and,
 * for single weeks, Monday; the rows already carry that alignment), so only buckets of a fixed length can be laid:
 * durations, and periods without months or years (days and weeks only in UTC, where they do not shift with daylight
 * saving). Anything the grid cannot explain (a row off the grid or outside the intervals) leaves the rows as they
 * are: filling around rows we do not understand would invent an outage.
 */
import type { Granularity } from './granularity.js';
import type { Interval } from './interval.js';
import { isCalendarPeriod, nominalSeconds } from './period.js';
import type { TimeseriesQuery } from './query.js';
import type { TimeseriesRow } from './response.js';

/** A fixed-length bucket grid as plain data (it crosses to worker threads). */
export interface BucketGrid {
  /** Bucket length in milliseconds. */
  stepMs: number;
  /** Buckets overlapping one of these are on the grid; rows outside them mean the grid does not apply. */
  intervals: Interval[];
  /** The value of each metric in an empty bucket. */
  zeros: Record<string, number>;
  /** Buckets ending after this instant (epoch ms; clipped to their interval) may still be filling: left missing. */
  completeBeforeMs: number;
}

export interface FilledRows {
  /** The rows with the missing buckets in place, in time order (the input array when nothing was missing). */
  rows: TimeseriesRow[];
  /** Times of the filled buckets, ascending. */
  filled: number[];
}

/**
 * More missing buckets than this leave the rows alone: such a grid comes from a mistaken interval (years of minutes
 * around a day of rows), not an outage, and filling it would hold megabytes per request.
 */
export const MAX_FILLED_BUCKETS = 100_000;

/** Aggregators whose value in an empty bucket is 0 (Druid's answer without skipEmptyBuckets). */
const ZERO_AGGREGATORS = new Set(['count', 'longSum', 'doubleSum', 'floatSum', 'hyperUnique', 'cardinality']);
const UTC_ZONES = new Set(['UTC', 'ETC/UTC', 'GMT', 'ETC/GMT', 'Z']);

/**
 * The grid of a timeseries query, or undefined when its empty buckets cannot be told: granularity `all` or `none`,
 * calendar periods (months, years), days or weeks in a time zone other than UTC, or a metric whose empty value is
 * not known (min, max, first, last, sketches, expressions, ...).
 * @param completeBeforeMs when the query ran: later buckets may be incomplete.
 */
export function queryBucketGrid(
  query: Pick<TimeseriesQuery, 'aggregations' | 'postAggregations'>,
  granularity: Granularity,
  intervals: readonly Interval[],
  completeBeforeMs: number,
): BucketGrid | undefined {
  const stepMs = fixedStepMs(granularity);
  const zeros = stepMs === undefined ? undefined : emptyBucketValues(query);
  if (stepMs === undefined || zeros === undefined) return undefined;
  return {
    stepMs,
    intervals: intervals.map(({ startMs, endMs }) => ({ startMs, endMs })),
    zeros,
    completeBeforeMs,
  };
}

/**
 * The grid of rows without a query: their median spacing between the first and the last row, every metric of the
 * first row taken as a sum (0 when empty; the traffic model's ratios are 0 then too). Undefined when there is
 * nothing to fill: fewer than three rows, or evenly spaced rows (checked first, without allocating).
 */
export function spacingBucketGrid(rows: readonly TimeseriesRow[]): BucketGrid | undefined {
  const n = rows.length;
  if (n < 3) return undefined;
  const first = rows[0]!.time;
  const spacing = rows[1]!.time - first;
  let even = true;
  for (let i = 2; i < n && even; i++) even = rows[i]!.time - rows[i - 1]!.time === spacing;
  if (even) return undefined;
  const gaps = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) gaps[i - 1] = rows[i]!.time - rows[i - 1]!.time;
  gaps.sort();
  // The lower middle gap: a spacing the rows really have, never the mean of two.
  const stepMs = gaps[(n - 2) >> 1]!;
  const zeros: Record<string, number> = {};
  for (const metric in rows[0]!.values) zeros[metric] = 0;
  const last = rows[n - 1]!.time;
  return {
    stepMs,
    intervals: [{ startMs: first, endMs: last + stepMs }],
    zeros,
    completeBeforeMs: last + stepMs,
  };
}

/** A run of consecutive bucket indices (relative to the first row), from one or more intervals. */
interface Run {
  first: number;
  last: number;
  /** The last index complete enough to fill (may be below `first`). */
  lastComplete: number;
}

/**
 * The rows with every missing complete bucket of the grid filled with `grid.zeros`: leading ones from the start of
 * the intervals, inner ones, and trailing ones up to the last complete bucket. O(rows + filled), and nothing is
 * allocated when nothing is missing. The rows must be in time order (as parseTimeseriesResponse returns them).
 * Left unchanged when there are no rows (nothing shows the grid applies: a filter matching nothing looks the same),
 * when a row is off the grid or outside the intervals, when a row's metrics are not exactly the grid's (a value
 * Druid answered null, or rows that are not this query's answer), or when more than MAX_FILLED_BUCKETS are missing.
 */
export function fillMissingBuckets(rows: TimeseriesRow[], grid: BucketGrid): FilledRows {
  const unchanged = { rows, filled: [] };
  const n = rows.length;
  const { stepMs } = grid;
  if (n === 0 || !(stepMs >= 1) || !Number.isInteger(stepMs)) return unchanged;
  const anchor = rows[0]!.time;
  const runs = gridRuns(grid, anchor);
  const index = (p: number) => (rows[p]!.time - anchor) / stepMs;

  let missing = 0;
  let p = 0;
  for (const run of runs) {
    let present = 0;
    for (; p < n; p++) {
      const k = index(p);
      if (k > run.last) break;
      if (k < run.first || !Number.isInteger(k)) return unchanged;
      if (k <= run.lastComplete) present++;
    }
    missing += Math.max(0, run.lastComplete - run.first + 1) - present;
  }
  if (p < n || missing === 0 || missing > MAX_FILLED_BUCKETS || !allHaveMetrics(rows, grid.zeros)) {
    return unchanged;
  }

  const out = new Array<TimeseriesRow>(n + missing);
  const filled = new Array<number>(missing);
  let o = 0;
  let f = 0;
  const fill = (k: number) => {
    const time = anchor + k * stepMs;
    filled[f++] = time;
    out[o++] = { time, values: { ...grid.zeros } };
  };
  p = 0;
  for (const run of runs) {
    let k = run.first;
    for (; p < n && index(p) <= run.last; p++) {
      const at = index(p);
      for (; k < at && k <= run.lastComplete; k++) fill(k);
      out[o++] = rows[p]!;
      k = at + 1;
    }
    for (; k <= run.lastComplete; k++) fill(k);
  }
  return { rows: out, filled };
}

/**
 * True when every row has exactly the metrics of an empty bucket. Then a filled row looks like any other, and an
 * error about a row's metrics (a null the parser left out) names a row of the client's data, at its own index.
 */
function allHaveMetrics(rows: readonly TimeseriesRow[], zeros: Record<string, number>): boolean {
  let expected = 0;
  for (const _ in zeros) expected++;
  for (const row of rows) {
    let count = 0;
    for (const metric in row.values) {
      if (!Object.hasOwn(zeros, metric)) return false;
      count++;
    }
    if (count !== expected) return false;
  }
  return true;
}

/** The runs of bucket indices overlapping the intervals, merged and in order. */
function gridRuns(grid: BucketGrid, anchor: number): Run[] {
  const { stepMs, completeBeforeMs } = grid;
  const runs = grid.intervals
    .map(({ startMs, endMs }): Run => {
      // Bucket k = [anchor + k·step, anchor + (k+1)·step) overlaps [start, end) from the one holding start to the
      // last one starting before end; it is complete once it has ended, or its interval has.
      const last = Math.ceil((endMs - anchor) / stepMs) - 1;
      return {
        first: Math.floor((startMs - anchor) / stepMs),
        last,
        lastComplete: endMs <= completeBeforeMs ? last : Math.floor((completeBeforeMs - anchor) / stepMs) - 1,
      };
    })
    .filter((run) => run.last >= run.first)
    .sort((a, b) => a.first - b.first);
  const merged: Run[] = [];
  for (const run of runs) {
    const previous = merged[merged.length - 1];
    if (previous && run.first <= previous.last + 1) {
      previous.last = Math.max(previous.last, run.last);
      previous.lastComplete = Math.max(previous.lastComplete, run.lastComplete);
    } else {
      merged.push({ ...run });
    }
  }
  return merged;
}

/** Milliseconds per bucket when every bucket has the same length, else undefined. */
function fixedStepMs(g: Granularity): number | undefined {
  if (g.kind === 'duration') return g.durationMs;
  if (g.kind !== 'period' || isCalendarPeriod(g.period)) return undefined;
  const { days, weeks } = g.period;
  const utc = g.timeZone === undefined || UTC_ZONES.has(g.timeZone.toUpperCase());
  // A local day is 23 or 25 hours across a daylight-saving change; hours and minutes keep their length.
  if (!utc && days + weeks > 0) return undefined;
  return nominalSeconds(g.period) * 1000;
}

/**
 * Each metric's value in an empty bucket, aggregations then post-aggregations (which may read earlier ones);
 * undefined when one of them has no known empty value.
 */
function emptyBucketValues(
  query: Pick<TimeseriesQuery, 'aggregations' | 'postAggregations'>,
): Record<string, number> | undefined {
  const aggregations = query.aggregations ?? [];
  if (aggregations.length === 0) return undefined;
  const values: Record<string, number> = {};
  for (const aggregation of aggregations) {
    if (!zeroWhenEmpty(aggregation)) return undefined;
    values[aggregation.name] = 0;
  }
  for (const post of query.postAggregations ?? []) {
    const value = post.name === undefined ? undefined : evaluate(post, values);
    if (value === undefined || !Number.isFinite(value)) return undefined;
    values[post.name!] = value;
  }
  return values;
}

function zeroWhenEmpty(aggregation: unknown): boolean {
  const { type, aggregator } = aggregation as { type?: unknown; aggregator?: unknown };
  // A filtered aggregator is its inner aggregator over fewer rows: 0 when that one is.
  if (type === 'filtered')
    return typeof aggregator === 'object' && aggregator !== null && zeroWhenEmpty(aggregator);
  return typeof type === 'string' && ZERO_AGGREGATORS.has(type);
}

/** A post-aggregation on an empty bucket's values, as Druid computes it; undefined for any other kind. */
function evaluate(spec: unknown, values: Record<string, number>): number | undefined {
  if (spec === null || typeof spec !== 'object') return undefined;
  const { type, fieldName, value, fn, fields } = spec as Record<string, unknown>;
  switch (type) {
    case 'fieldAccess':
    case 'finalizingFieldAccess':
    case 'hyperUniqueCardinality':
      return typeof fieldName === 'string' && Object.hasOwn(values, fieldName)
        ? values[fieldName]
        : undefined;
    case 'constant':
      return typeof value === 'number' ? value : undefined;
    case 'arithmetic': {
      if (!Array.isArray(fields) || fields.length === 0) return undefined;
      let result = evaluate(fields[0], values);
      for (let i = 1; i < fields.length && result !== undefined; i++) {
        const next = evaluate(fields[i], values);
        result = next === undefined ? undefined : arithmetic(fn, result, next);
      }
      return result;
    }
    default:
      return undefined;
  }
}

function arithmetic(fn: unknown, a: number, b: number): number | undefined {
  switch (fn) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    // Druid's `/` answers 0 for a zero divisor; `quotient` is the plain division.
    case '/':
      return b === 0 ? 0 : a / b;
    case 'quotient':
      return a / b;
    case 'pow':
      return a ** b;
    default:
      return undefined;
  }
}
