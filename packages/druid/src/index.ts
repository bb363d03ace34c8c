export {
  type BucketGrid,
  type FilledRows,
  fillMissingBuckets,
  MAX_FILLED_BUCKETS,
  queryBucketGrid,
  spacingBucketGrid,
} from './bucket-grid.js';
export { type Bucket, bucketAt, ceilToBucket, floorToBucket } from './buckets.js';
export { DruidClient, type DruidClientOptions } from './client.js';
export {
  DruidQueryError,
  DruidRequestError,
  DruidResponseError,
  DruidTimeoutError,
  UnsupportedQueryTypeError,
} from './errors.js';
export {
  bucketSeconds,
  type Granularity,
  granularitySeconds,
  granularityToJson,
  parseGranularity,
} from './granularity.js';
export { formatInterval, type Interval, parseInstant, parseInterval } from './interval.js';
export {
  addPeriod,
  formatPeriod,
  isCalendarPeriod,
  NOMINAL_MONTH_SECONDS,
  NOMINAL_YEAR_SECONDS,
  nominalSeconds,
  type Period,
  parsePeriod,
  periodSecondsAt,
} from './period.js';
export {
  type ParsedTimeseriesQuery,
  parseTimeseriesQuery,
  type TimeseriesQuery,
  TimeseriesQuerySchema,
} from './query.js';
export { applyQueryPolicy, type QueryPolicy } from './query-policy.js';
export {
  type ParsedTimeseriesResponse,
  parseTimeseriesResponse,
  type SkippedValue,
  type TimeseriesRow,
} from './response.js';
export { SENSOR_DIMENSION, sensorFromFilter } from './sensor.js';
export {
  rewriteForTrafficModel,
  TRAFFIC_METRICS,
  trafficAggregations,
  trafficPostAggregations,
} from './traffic-model.js';
export { buildTrainingQuery, type TrainingQueryOptions } from './training-query.js';
