import type { OutlierReason } from './decision-stage.js';

/**
 * The streaming contract between station detectors (packages/core) and the station service (services/executor).
 *
 * A detector sees one variable of one station as a sequence of finite values, numbered by `seq` from 0 in arrival
 * order (missing values are never pushed). Every pushed sample receives exactly one score, either at once (sliding
 * detectors) or later (windowed detectors score a whole window when it fills), so `push` returns the samples whose
 * verdict became known with this value, possibly earlier ones. The service maps `seq` back to timestamps.
 */
export interface ScoredSample {
  /** Position of the sample in the stream, 0-based. */
  seq: number;
  /** Anomaly score in [0, 1]; higher is more anomalous. */
  score: number;
  /** The detector's decision for this sample. */
  outlier: boolean;
  /** What the detector expected for this sample, in the variable's units (kinds that form an expectation). */
  expected?: number;
  /** The band of values accepted around `expected`, when it is bounded on both sides. */
  lower?: number;
  upper?: number;
  /** Why an outlier was flagged (kinds that tell). */
  reason?: OutlierReason;
}

export interface StreamDetector {
  /** The detector kind, e.g. 'default' or 'reference'. */
  readonly kind: string;
  /** Number of samples pushed so far (the next sample's seq). */
  readonly seen: number;
  /** True while the detector is still learning and does not flag anything yet. */
  readonly warmingUp: boolean;
  /**
   * Feeds the next value, observed at `time` (epoch milliseconds, increasing along the stream); returns the samples
   * scored because of it, in seq order. Kinds that do not use time ignore it.
   */
  push(value: number, time: number): ScoredSample[];
  /**
   * Optional: scores now every sample still waiting for a verdict (e.g. a partial tumbling window), so a finite
   * stream gets one score per sample. Detectors that score each sample on arrival need not implement it.
   */
  flush?(): ScoredSample[];
  /** JSON-serialisable state; `restoreStreamDetector(toJSON())` continues exactly where this one stands. */
  toJSON(): StreamDetectorState;
}

/** Serialised detector: its kind, format version, options and whatever the kind needs to resume. */
export interface StreamDetectorState {
  kind: string;
  formatVersion: number;
  options: StreamDetectorOptions;
  [key: string]: unknown;
}

/** Per-variable options, as given in `/initialize` (a bare number means `{ window: n }`). */
export interface StreamDetectorOptions {
  /** Detector kind: 'default', 'forest' or 'reference'; default 'default'. */
  detector?: string;
  /** Window length W (8..100000). */
  window: number;
  /**
   * Score above which a sample is an outlier (kind-specific default); kinds that also weigh hard evidence (the
   * default's spikes, shifts, stuck runs, dropouts) flag those whatever their score.
   */
  threshold?: number;
  /** Alternative to threshold in (0, 1): higher flags more. */
  sensitivity?: number;
  /** Kind-specific variant, e.g. 'tumbling' | 'sliding' | 'kalman' for the reference. */
  mode?: string;
  /** Seed; services derive it from station and variable so results are reproducible. */
  seed?: number;
}
