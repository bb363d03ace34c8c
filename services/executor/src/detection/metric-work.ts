/**
 * The CPU-bound half of a metric request, run the same way in the main thread or in a worker thread: the rows
 * decoded (the `data` field, or Druid's answer), the model run, and the reply serialised to JSON text.
 * Its input is plain data: it crosses to a worker thread by structured clone.
 */
import { InvalidInputError, type MetricDetection, type MetricRow, shallowDetect } from '@outliers/core';
import type { OutliersReply } from '../schemas/druid-query.js';
import { decodeMetricRows, type RowSource } from './decode-metric-rows.js';
import { invalidField } from './metric-errors.js';
import { fillMissingRows, type MetricGrid } from './missing-buckets.js';
import { replyJson } from './reply-json.js';

/** The reference's sensitivity knob for the shallow model. */
const SHALLOW_SENSITIVITY = 0.95;

/** A trained model (the autoencoder of `@outliers/core/autoencoder`). */
interface TrainedMetricModel {
  detect(rows: readonly MetricRow[]): MetricDetection;
}

export interface MetricWork {
  /** The client's `data` field, still encoded, or the text of Druid's answer (decoded where this work runs). */
  rows: RowSource;
  /** METRIC: the metric whose expected value is reported. */
  metric: string;
  /** How the reply describes the model; kind 'shallow' runs the shallow model. */
  model: OutliersReply['model'];
  /** The buckets the rows should have (missing-buckets.ts); absent: the rows are taken as they are. */
  grid?: MetricGrid;
}

/**
 * @param trained the model to run; undefined for the shallow model.
 * @returns the reply's JSON text.
 * @throws ExecutorError 400 for bad data, 502 for a Druid answer that cannot be read; a model's own failure as it is.
 */
export function runMetricWork(work: MetricWork, trained: TrainedMetricModel | undefined): string {
  const { rows, missing } = fillMissingRows(decodeMetricRows(work.rows), work.grid);
  const detection = rows.length === 0 ? undefined : runModel(trained, rows, work.metric);
  return replyJson(detection, work.metric, work.model, missing);
}

function runModel(
  trained: TrainedMetricModel | undefined,
  rows: MetricRow[],
  preferred: string,
): MetricDetection {
  try {
    if (trained) return trained.detect(rows);
    return shallowDetect(rows, {
      metrics: shallowMetrics(rows, preferred),
      sensitivity: SHALLOW_SENSITIVITY,
    });
  } catch (error) {
    if (error instanceof InvalidInputError) {
      // Core names its argument (`rows[3].values.bytes`); the client knows that as `data[3].result.bytes`.
      throw invalidField('data', error.message.replace(/^rows\[(\d+)\]\.values\./, 'data[$1].result.'));
    }
    throw error;
  }
}

/**
 * The metrics every row carries (the shallow model judges them all, with their usual ratios). They must include
 * METRIC, whose values the reply reports, unless there is only one (a query that aggregates one value under another
 * name); with several others the reported one would be a guess. When no metric is common to all rows, METRIC alone,
 * so that core names a row that lacks it.
 */
function shallowMetrics(rows: MetricRow[], metric: string): string[] {
  const common = Object.keys(rows[0]!.values).filter((name) => rows.every((row) => name in row.values));
  if (common.length === 0) return [metric];
  if (common.length > 1 && !common.includes(metric)) {
    throw invalidField('data', `no row has the metric ${JSON.stringify(metric)} (METRIC)`);
  }
  return common;
}
