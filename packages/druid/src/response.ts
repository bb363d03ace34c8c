/**
 * Druid timeseries responses (`[{"timestamp":"...","result":{"bytes":1,...}}]`) as metric rows.
 * https://druid.apache.org/docs/latest/querying/timeseriesquery
 */
import { DruidResponseError } from './errors.js';

/** One row: time in epoch ms, metrics by name. Structurally the same as `MetricRow` of `@outliers/core`. */
export interface TimeseriesRow {
  time: number;
  values: Record<string, number>;
}

/** A metric value that was not a finite number (null, "NaN", a sketch object, ...) and was left out of its row. */
export interface SkippedValue {
  index: number;
  metric: string;
}

export interface ParsedTimeseriesResponse {
  /** Rows in time order. */
  rows: TimeseriesRow[];
  /** Values left out of `rows` because they were not finite numbers. */
  skipped: SkippedValue[];
}

/** The numbers and numeric strings of `metrics`; the others are listed in `skipped`. */
function numericValues(
  metrics: Record<string, unknown>,
  index: number,
  skipped: SkippedValue[],
): Record<string, number> {
  const values: Record<string, number> = {};
  for (const metric in metrics) {
    const raw = metrics[metric];
    const v =
      typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
    if (Number.isFinite(v)) values[metric] = v;
    else skipped.push({ index, metric });
  }
  return values;
}

function allFiniteNumbers(metrics: Record<string, unknown>): boolean {
  for (const metric in metrics) {
    if (!Number.isFinite(metrics[metric])) return false;
  }
  return true;
}

/**
 * Parses a timeseries response (JSON text or value). Numbers and numeric strings are kept; any other value (null,
 * "NaN", "Infinity", objects) is left out of its row and listed in `skipped`, so callers decide whether a missing
 * metric matters. Rows are sorted by time. A row whose values are all finite numbers keeps its `result` object as
 * `values` (no copy): the rows then share objects with a parsed `input`.
 * @throws {DruidResponseError} naming the path (`[3].timestamp`) when the shape is not a timeseries result or two
 *   rows share a timestamp.
 */
export function parseTimeseriesResponse(input: unknown, field = 'data'): ParsedTimeseriesResponse {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      throw new DruidResponseError(field, 'not valid JSON');
    }
  }
  if (!Array.isArray(value)) throw new DruidResponseError(field, 'expected an array of timeseries rows');
  const rows: TimeseriesRow[] = [];
  const skipped: SkippedValue[] = [];
  let sorted = true;
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new DruidResponseError(`${field}[${index}]`, 'expected {"timestamp", "result"}');
    }
    const { timestamp, result } = item as Record<string, unknown>;
    const time = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
    if (!Number.isFinite(time))
      throw new DruidResponseError(`${field}[${index}].timestamp`, 'expected an ISO-8601 timestamp');
    if (result === null || typeof result !== 'object' || Array.isArray(result)) {
      // groupBy / topN / scan answers have other shapes; say so rather than guess.
      throw new DruidResponseError(
        `${field}[${index}].result`,
        'expected an object of metrics (is this a timeseries response?)',
      );
    }
    const metrics = result as Record<string, unknown>;
    // Druid's usual answer, all finite numbers: the row keeps the result object itself, with no copy.
    const values = allFiniteNumbers(metrics)
      ? (metrics as Record<string, number>)
      : numericValues(metrics, index, skipped);
    if (index > 0 && time <= rows[index - 1]!.time) sorted = false;
    rows.push({ time, values });
  }
  // Druid answers in strictly increasing time order: nothing more to check. Only a hand-made `data` needs
  // sorting, and the duplicate check on the sorted times.
  if (sorted) return { rows, skipped };
  const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.time - rows[b]!.time);
  for (let k = 1; k < order.length; k++) {
    if (rows[order[k]!]!.time === rows[order[k - 1]!]!.time) {
      throw new DruidResponseError(`${field}[${order[k]}].timestamp`, 'duplicate timestamp');
    }
  }
  return { rows: order.map((i) => rows[i]!), skipped };
}
