/**
 * The rows of a metric request, decoded in the thread that runs its detection: the client's `data` (classified by
 * decode-metric-request.ts) or the text of Druid's answer.
 */
import type { MetricRow } from '@outliers/core';
import { DruidResponseError, parseTimeseriesResponse } from '@outliers/druid';
import { decodeJson, type EncodedJson } from './encoded-fields.js';
import { causedBy, druidFailed, invalidField } from './metric-errors.js';

export type RowSource = { data: EncodedJson } | { druid: string };

/**
 * @throws ExecutorError 400 naming the field of bad client data; 502 for a Druid answer that cannot be read (its
 *   reason as the cause, for the log).
 */
export function decodeMetricRows(source: RowSource): MetricRow[] {
  const fromClient = 'data' in source;
  try {
    return parseTimeseriesResponse(fromClient ? decodeJson('data', source.data) : source.druid, 'data').rows;
  } catch (error) {
    if (!(error instanceof DruidResponseError)) throw error;
    if (fromClient) throw invalidField(error.field, error.message);
    throw causedBy(druidFailed(), error);
  }
}
