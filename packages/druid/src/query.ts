/**
 * Parsing and validation of the Druid native queries metric detection accepts: `timeseries` only.
 * https://druid.apache.org/docs/latest/querying/timeseriesquery
 */
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DruidQueryError, UnsupportedQueryTypeError } from './errors.js';
import { type Granularity, granularitySeconds, parseGranularity } from './granularity.js';
import { type Interval, parseInterval } from './interval.js';

const JsonObject = Type.Record(Type.String(), Type.Unknown());

const Aggregation = Type.Object({ type: Type.String({ minLength: 1 }), name: Type.String({ minLength: 1 }) });

/** The parts of a timeseries query we read; everything else (context, virtualColumns, ...) passes through. */
export const TimeseriesQuerySchema = Type.Object({
  queryType: Type.Literal('timeseries'),
  dataSource: Type.Union([Type.String({ minLength: 1 }), Type.Object({ type: Type.String() })]),
  intervals: Type.Union([
    Type.String({ minLength: 1 }),
    Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    Type.Object({ type: Type.Literal('intervals'), intervals: Type.Array(Type.String(), { minItems: 1 }) }),
  ]),
  granularity: Type.Union([Type.String({ minLength: 1 }), Type.Object({ type: Type.String() })]),
  aggregations: Type.Optional(Type.Array(Aggregation)),
  postAggregations: Type.Optional(
    Type.Array(Type.Object({ type: Type.String(), name: Type.Optional(Type.String()) })),
  ),
  filter: Type.Optional(Type.Union([Type.Null(), Type.Object({ type: Type.String({ minLength: 1 }) })])),
  context: Type.Optional(JsonObject),
});

/** A validated timeseries query: the checked fields, plus any other Druid fields untouched. */
export type TimeseriesQuery = Static<typeof TimeseriesQuerySchema> & Record<string, unknown>;

export interface ParsedTimeseriesQuery {
  /** The query as sent to Druid. */
  query: TimeseriesQuery;
  granularity: Granularity;
  intervals: Interval[];
  /** Seconds per bucket for per-second rates (month = 30 days; `all` = the whole intervals). */
  granularitySeconds: number;
}

/**
 * Parses a Druid native query (JSON text or an already-parsed value) and checks it is a usable timeseries query.
 * @throws {UnsupportedQueryTypeError} for any other query type.
 * @throws {DruidQueryError} naming the offending field otherwise.
 */
export function parseTimeseriesQuery(input: unknown): ParsedTimeseriesQuery {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      throw new DruidQueryError('query', 'not valid JSON');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new DruidQueryError('query', 'expected a JSON object');
  }
  const queryType = (value as Record<string, unknown>).queryType;
  if (queryType === undefined) throw new DruidQueryError('queryType', 'is required');
  if (queryType !== 'timeseries') throw new UnsupportedQueryTypeError(String(queryType));
  if (!Value.Check(TimeseriesQuerySchema, value)) {
    const first = Value.Errors(TimeseriesQuerySchema, value).First();
    const path = first?.path.replace(/^\//, '').replaceAll('/', '.') || 'query';
    throw new DruidQueryError(path, first?.message ?? 'invalid query');
  }
  const query = value as TimeseriesQuery;
  const intervals = intervalTexts(query.intervals).map((text, i) => parseInterval(text, `intervals[${i}]`));
  const granularity = parseGranularity(query.granularity);
  const totalSeconds = intervals.reduce((s, i) => s + (i.endMs - i.startMs) / 1000, 0);
  return { query, granularity, intervals, granularitySeconds: granularitySeconds(granularity, totalSeconds) };
}

function intervalTexts(intervals: TimeseriesQuery['intervals']): string[] {
  if (typeof intervals === 'string') return [intervals];
  return Array.isArray(intervals) ? intervals : intervals.intervals;
}
