/**
 * The query a trainer sends to fetch one sensor's history: the reference's train_query_template.json filled in for
 * a sensor, a granularity and a look-back, with the traffic aggregations and the post-aggregations of THAT
 * granularity (the reference kept the 5-minute ones at every granularity).
 */
import { type Granularity, granularityToJson, parseGranularity } from './granularity.js';
import { formatInterval } from './interval.js';
import { parseTimeseriesQuery, type TimeseriesQuery } from './query.js';
import { SENSOR_DIMENSION } from './sensor.js';
import { rewriteForTrafficModel } from './traffic-model.js';

export interface TrainingQueryOptions {
  sensor: string;
  /** Any granularity `parseGranularity` accepts (`'PT5M'`, `'hour'`, `{type:'period',period:'PT1M'}`). */
  granularity: unknown;
  /** How far back from `endMs` to read. @defaultValue 24 h */
  lookBackMs?: number;
  /** End of the window (exclusive), epoch ms. @defaultValue now, floored to the minute */
  endMs?: number;
  /** @defaultValue 'rb_flow' */
  dataSource?: string;
  /** Broker-side timeout (context.timeout). @defaultValue 90000 */
  timeoutMs?: number;
}

const DAY_MS = 24 * 3600 * 1000;
const MINUTE_MS = 60_000;

/** @throws {DruidQueryError} for an invalid granularity or window; {RangeError} for an empty sensor. */
export function buildTrainingQuery(options: TrainingQueryOptions): TimeseriesQuery {
  if (typeof options.sensor !== 'string' || options.sensor === '') {
    throw new RangeError('sensor: expected a non-empty sensor name');
  }
  const granularity: Granularity = parseGranularity(options.granularity);
  const endMs = options.endMs ?? Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const startMs = endMs - (options.lookBackMs ?? DAY_MS);
  const query = {
    dataSource: options.dataSource ?? 'rb_flow',
    granularity: granularityToJson(granularity),
    intervals: [formatInterval({ startMs, endMs })],
    filter: { type: 'selector', dimension: SENSOR_DIMENSION, value: options.sensor },
    queryType: 'timeseries',
    context: { timeout: options.timeoutMs ?? 90_000, skipEmptyBuckets: 'true' },
    // Kept from the template; Druid's timeseries queries ignore limitSpec (they take a top-level `limit`).
    limitSpec: { type: 'default', limit: 100, columns: {} },
  };
  return rewriteForTrafficModel(parseTimeseriesQuery(query));
}
