/**
 * The traffic-model rewrite: the metrics the redBorder models were trained on, whatever the client asked for.
 * Aggregations: bytes, pkts (longSum), clients (hyperUnique), flows (longSum of `events`). Post-aggregations: bps,
 * pps, fps, bytes_per_client, bits_per_sec_per_client, flows_per_client, flows_per_sec_per_client, where the
 * per-second ones divide by the seconds of the query's own granularity (the reference kept the 5-minute constant,
 * 300, at every granularity). Same JSON as the reference's aggregations.json / post_aggregations.json.
 */
import type { ParsedTimeseriesQuery, TimeseriesQuery } from './query.js';

/** Names of the metrics the traffic rewrite produces, aggregations first. */
export const TRAFFIC_METRICS = [
  'bytes',
  'pkts',
  'clients',
  'flows',
  'bps',
  'pps',
  'fps',
  'bytes_per_client',
  'bits_per_sec_per_client',
  'flows_per_client',
  'flows_per_sec_per_client',
] as const;

/** The reference's aggregations.json. */
export function trafficAggregations(): Record<string, unknown>[] {
  return [
    { type: 'longSum', name: 'bytes', fieldName: 'sum_bytes' },
    { type: 'longSum', name: 'pkts', fieldName: 'sum_pkts' },
    { type: 'hyperUnique', name: 'clients', fieldName: 'clients' },
    { type: 'longSum', name: 'flows', fieldName: 'events' },
  ];
}

const field = (fieldName: string, name?: string) => ({
  type: 'fieldAccess',
  ...(name ? { name } : {}),
  fieldName,
});
const constant = (value: number) => ({ type: 'constant', value });
const clients = { type: 'hyperUniqueCardinality', fieldName: 'clients' };
const arithmetic = (name: string, fn: string, fields: unknown[]) => ({
  type: 'arithmetic',
  name,
  fn,
  fields,
});

/**
 * The reference's post_aggregations.json with its `"seconds_per_granularity"` placeholder set to `seconds`.
 * @throws {RangeError} when `seconds` is not a positive finite number.
 */
export function trafficPostAggregations(seconds: number): Record<string, unknown>[] {
  if (!(seconds > 0) || !Number.isFinite(seconds)) {
    throw new RangeError(`seconds: expected a positive number, got ${seconds}`);
  }
  const bits = () => arithmetic('bits', '*', [field('bytes'), constant(8)]);
  const bps = () => arithmetic('bps', '/', [bits(), constant(seconds)]);
  const fps = () => arithmetic('fps', '/', [field('flows', 'flows'), constant(seconds)]);
  return [
    bps(),
    arithmetic('pps', '/', [field('pkts'), constant(seconds)]),
    fps(),
    arithmetic('bytes_per_client', '/', [field('bytes', 'bytes'), clients]),
    arithmetic('bits_per_sec_per_client', '/', [bps(), clients]),
    arithmetic('flows_per_client', '/', [field('flows', 'flows'), clients]),
    arithmetic('flows_per_sec_per_client', '/', [fps(), clients]),
  ];
}

/**
 * The query with its aggregations and post-aggregations replaced by the traffic metrics, per-second rates computed
 * for the query's granularity. Everything else (data source, intervals, filter, context) is kept; the input is not
 * modified. The client's own post-aggregations are dropped: they may refer to aggregations that no longer exist.
 */
export function rewriteForTrafficModel(parsed: ParsedTimeseriesQuery): TimeseriesQuery {
  return {
    ...parsed.query,
    aggregations: trafficAggregations() as TimeseriesQuery['aggregations'],
    postAggregations: trafficPostAggregations(
      parsed.granularitySeconds,
    ) as TimeseriesQuery['postAggregations'],
  };
}
