/**
 * Missing buckets of a metric request (issue #18): a Druid asked with `skipEmptyBuckets` drops the buckets of an
 * outage instead of answering zeros. The grid is chosen on the event loop, where the query is parsed, and laid over
 * the rows where they are parsed (a worker thread); the times filled go with the detection to the reply, which
 * marks their entries `missing`. The grid logic itself is @outliers/druid's (bucket-grid.ts).
 */
import type { MetricRow } from '@outliers/core';
import {
  type BucketGrid,
  fillMissingBuckets,
  type ParsedTimeseriesQuery,
  queryBucketGrid,
  spacingBucketGrid,
  type TimeseriesQuery,
} from '@outliers/druid';

/**
 * How the rows' missing buckets are found: a query's grid; `row-spacing` for `data` without a query (the rows' own
 * median spacing, inner gaps only); `none` when the query's empty buckets cannot be told (min/max metrics, calendar
 * months, ...), so nothing is filled.
 */
export type MetricGrid = BucketGrid | 'row-spacing' | 'none';

/**
 * @param parsed the client's query, undefined when only `data` came.
 * @param answered the query whose answer the rows are: what was sent to Druid (rewritten for a trained model), or
 *   the client's own query when `data` came with it.
 * @param ranAtMs when the query ran (or the request came, for `data`): later buckets may still be filling.
 */
export function metricGrid(
  parsed: ParsedTimeseriesQuery | undefined,
  answered: TimeseriesQuery | undefined,
  ranAtMs: number,
): MetricGrid {
  if (parsed === undefined || answered === undefined) return 'row-spacing';
  return queryBucketGrid(answered, parsed.granularity, parsed.intervals, ranAtMs) ?? 'none';
}

/**
 * The rows with their missing buckets as zero rows, and the times of those (undefined when none, so the reply
 * checks nothing per row). Never throws: rows the grid does not explain are returned as they came.
 */
export function fillMissingRows(
  rows: MetricRow[],
  grid: MetricGrid | undefined,
): { rows: MetricRow[]; missing: ReadonlySet<number> | undefined } {
  const bucketGrid = grid === 'row-spacing' ? spacingBucketGrid(rows) : grid === 'none' ? undefined : grid;
  if (bucketGrid === undefined) return { rows, missing: undefined };
  const { rows: filledRows, filled } = fillMissingBuckets(rows, bucketGrid);
  return { rows: filledRows, missing: filled.length === 0 ? undefined : new Set(filled) };
}
