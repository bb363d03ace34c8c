/**
 * The query a trainer sends to fetch one sensor's history: the reference's train_query_template.json filled in for
 * a sensor, a granularity and a look-back, with the traffic aggregations and the post-aggregations of THAT
 * granularity (the reference kept the 5-minute ones at every granularity).
 */
import { ceilToBucket, floorToBucket } from './buckets.js';
import { DruidQueryError } from './errors.js';
import { type Granularity, granularityToJson, parseGranularity } from './granularity.js';
import { formatInterval } from './interval.js';
import { parseTimeseriesQuery, type TimeseriesQuery } from './query.js';
import { SENSOR_DIMENSION } from './sensor.js';
import { rewriteForTrafficModel } from './traffic-model.js';

export interface TrainingQueryOptions {
  sensor: string;
  /** Any granularity `parseGranularity` accepts (`'PT5M'`, `'hour'`, `{type:'period',period:'PT1M'}`). */
  granularity: unknown;
  /**
   * End of the period (exclusive), epoch ms, moved back to the start of the bucket holding it: the bucket still
   * filling up at "now" is left out. @defaultValue now
   */
  endMs?: number;
  /**
   * Start of the period, epoch ms, moved forward to the next bucket start: a past period (`--from`) trains on the
   * whole buckets inside it. @defaultValue `lookBackMs` before the (moved) end
   */
  startMs?: number;
  /** How far back from the end to read when `startMs` is not given. @defaultValue 24 h */
  lookBackMs?: number;
  /** @defaultValue 'rb_flow' */
  dataSource?: string;
  /** Broker-side timeout (context.timeout). @defaultValue 90000 */
  timeoutMs?: number;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * The query's interval holds whole buckets only, [start, end) on the granularity's bucket boundaries (its origin and
 * time zone included): a real Druid answers a bucket that the interval cuts with part of its data, and such partial
 * first and last buckets would train in as dips.
 * @throws {DruidQueryError} for an invalid granularity, or a period without one whole bucket (field `intervals`);
 *   {RangeError} for an empty sensor.
 */
export function buildTrainingQuery(options: TrainingQueryOptions): TimeseriesQuery {
  if (typeof options.sensor !== 'string' || options.sensor === '') {
    throw new RangeError('sensor: expected a non-empty sensor name');
  }
  const granularity: Granularity = parseGranularity(options.granularity);
  const askedEndMs = options.endMs ?? Date.now();
  const endMs = floorToBucket(granularity, askedEndMs);
  const askedStartMs = options.startMs ?? endMs - (options.lookBackMs ?? DAY_MS);
  const startMs = ceilToBucket(granularity, askedStartMs);
  if (!(startMs < endMs)) {
    const asked = formatInterval({ startMs: askedStartMs, endMs: askedEndMs });
    throw new DruidQueryError('intervals', `${asked} holds no whole bucket of the granularity`);
  }
  const query = {
    dataSource: options.dataSource ?? 'rb_flow',
    granularity: granularityToJson(granularity),
    intervals: [formatInterval({ startMs, endMs })],
    filter: { type: 'selector', dimension: SENSOR_DIMENSION, value: options.sensor },
    queryType: 'timeseries',
    // Kept on purpose: without it Druid answers an empty bucket with zeros, so an outage inside the training period
    // would teach the model that zero traffic is normal, and it would stop flagging the next outage. Skipped buckets
    // leave a gap between rows instead, which the model can see as an irregular sampling gap.
    context: { timeout: options.timeoutMs ?? 90_000, skipEmptyBuckets: 'true' },
    // Kept from the template; Druid's timeseries queries ignore limitSpec (they take a top-level `limit`).
    limitSpec: { type: 'default', limit: 100, columns: {} },
  };
  return rewriteForTrafficModel(parseTimeseriesQuery(query));
}
