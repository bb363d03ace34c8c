/**
 * The metric models of `@outliers/core` (shallow model, autoencoder) on a univariate `timestamp,value` series, for
 * the detect and eval:nab commands. Both judge a whole series at once (not a stream); their scores (>= 1 when
 * anomalous) are mapped to [0, 1) by s / (1 + s), which keeps the order and puts the decision at 0.5.
 */
import { type MetricRow, shallowDetect } from '@outliers/core';
import type { SeriesVerdicts } from './detect-series.js';
import { readModelFiles } from './model-dir.js';
import { parseTimestamp, type Series } from './series-csv.js';

export const METRIC_MODELS = ['shallow', 'autoencoder'] as const;
export type MetricModelName = (typeof METRIC_MODELS)[number];

/** Share of a series the autoencoder trains on when no model is given: NAB's unscored probationary period. */
export const TRAINING_FRACTION = 0.15;

export function isMetricModel(name: string): name is MetricModelName {
  return (METRIC_MODELS as readonly string[]).includes(name);
}

export interface MetricModelOptions {
  /** Directory of a trained autoencoder (pnpm train); without it the autoencoder trains on the series' start. */
  modelDir?: string;
  seed?: number;
}

/**
 * One verdict per value. @throws {InvalidInputError} from core for bad values or times; {Error} when a given
 * model has more than one metric.
 */
export async function detectWithMetricModel(
  series: Series,
  detector: MetricModelName,
  options: MetricModelOptions = {},
): Promise<SeriesVerdicts> {
  const seed = options.seed === undefined ? {} : { seed: options.seed };
  const points =
    detector === 'shallow'
      ? shallowDetect(metricRows(series, 'value')).points
      : await autoencoderPoints(series, options.modelDir, seed);
  return {
    scores: Float64Array.from(points, (p) => p.score / (1 + p.score)),
    outliers: Uint8Array.from(points, (p) => (p.anomalous ? 1 : 0)),
  };
}

/**
 * The series as metric rows, in file order. Like the stream detectors, which ignore timestamps, the CLI judges
 * rows in file order: a time that does not increase (NAB has daylight-saving duplicates and one backwards jump)
 * is moved 1 ms after its predecessor, since the metric models need strictly increasing times.
 */
function metricRows(series: Series, metric: string): MetricRow[] {
  let previous = Number.NEGATIVE_INFINITY;
  return series.values.map((value, i) => {
    const time = Math.max(parseTimestamp(series.timestamps[i]!), previous + 1);
    previous = time;
    return { time, values: { [metric]: value } };
  });
}

async function autoencoderPoints(series: Series, modelDir: string | undefined, seed: { seed?: number }) {
  // Loaded on demand: only this path needs TF.js.
  const { AutoencoderModel, trainModel } = await import('@outliers/core/autoencoder');
  const training = Math.max(32, Math.floor(series.values.length * TRAINING_FRACTION));
  const model = modelDir
    ? await AutoencoderModel.fromFiles(readModelFiles(modelDir))
    : await trainModel(metricRows(series, 'value').slice(0, training), seed);
  try {
    const { metrics } = model.metadata;
    if (metrics.length !== 1) {
      throw new Error(`${modelDir}: a univariate series needs a one-metric model, got ${metrics.join(', ')}`);
    }
    return model.detect(metricRows(series, metrics[0]!)).points;
  } finally {
    model.dispose();
  }
}
