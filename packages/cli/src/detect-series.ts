import { createStreamDetector, type ScoredSample, type StreamDetectorOptions } from '@outliers/core';
import { parseTimestamp, type Series } from './series-csv.js';

/** Window used when the command line gives none. */
export const DEFAULT_WINDOW = 128;

/** Per-row verdicts of a whole series: a score in [0, 1] and the detector's decision. */
export interface SeriesVerdicts {
  scores: Float64Array;
  outliers: Uint8Array;
}

/**
 * Streams a series through a fresh detector, each value with its timestamp, and collects exactly one verdict per
 * value (flushing windowed detectors at the end).
 * @throws {Error} if a timestamp cannot be parsed, or the detector scores a sample twice or never.
 */
export function detectSeries(series: Series, options: StreamDetectorOptions): SeriesVerdicts {
  const { values, timestamps } = series;
  const detector = createStreamDetector(options);
  const scores = new Float64Array(values.length).fill(Number.NaN);
  const outliers = new Uint8Array(values.length);
  const record = (samples: ScoredSample[]) => {
    for (const s of samples) {
      if (!Number.isNaN(scores[s.seq]!)) throw new Error(`sample ${s.seq} scored twice`);
      scores[s.seq] = s.score;
      outliers[s.seq] = s.outlier ? 1 : 0;
    }
  };
  for (let i = 0; i < values.length; i++) record(detector.push(values[i]!, parseTimestamp(timestamps[i]!)));
  if (detector.flush) record(detector.flush());
  const missing = scores.findIndex((s) => Number.isNaN(s));
  if (missing >= 0) throw new Error(`sample ${missing} was never scored`);
  return { scores, outliers };
}
