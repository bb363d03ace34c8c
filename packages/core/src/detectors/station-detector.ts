import { InvalidInputError } from '../errors.js';
import { KalmanFilter, type KalmanFilterState } from '../filters/kalman-filter.js';
import { IsolationForest } from '../forest/isolation-forest.js';
import { mannKendall } from '../stats/mann-kendall.js';
import { AnomalyLikelihood, type AnomalyLikelihoodState } from './anomaly-likelihood.js';
import type { ResolvedDetectorOptions } from './registry.js';
import { fitSeed } from './seeds.js';
import { SpatialRange, type SpatialRangeState } from './spatial-range.js';
import type { ScoredSample, StreamDetector, StreamDetectorState } from './stream-detector.js';

/** Trees of the sliding forest: fewer than the reference's 100, since it is refitted often and scored per sample. */
const TREES = 32;
const SAMPLE_SIZE = 256;
/** The forest learns from at most this many recent samples (bounds state and refit cost for huge windows). */
const MAX_TRAINING = 512;
/** Spatial check margin, as a fraction of the range seen so far (Numenta's NAB detector uses 5 %). */
const SPATIAL_MARGIN = 0.05;
/**
 * Trend test: Mann-Kendall (Yue-Wang, robust to the autocorrelation of daily cycles) at this level on a long, thinned
 * history of TREND_POINTS values, one every window / 8 samples (16 windows in all).
 */
const TREND_ALPHA = 0.01;
const TREND_POINTS = 128;
const TREND_THINNING = 8;
const MIN_TREND_POINTS = 16;
/**
 * Random-walk Kalman filter (gain about 0.27: a few samples of memory) smoothing the values the trend test sees,
 * so that noise and single outliers do not make or break a trend.
 */
const KALMAN = { q: 0.1, r: 1, p0: 1 };
/** A repeat run or a zero reading is flagged when its probability under the history is below this. */
const RARE = 1e-4;
/** Within the hold-off after an alarm, scores are reported scaled by this (the event was already raised). */
const HOLD_OFF_WEIGHT = 0.25;
const FORMAT_VERSION = 1;

type Mode = 'sliding';

interface StationState extends StreamDetectorState {
  seen: number;
  /** The last min(window, 512) + 1 values, oldest first. */
  recent: number[];
  /** The values the current forest was fitted on, or null while warming up. */
  training: number[] | null;
  fits: number;
  sinceFit: number;
  /** Long thinned history for the trend test, oldest first. */
  longHistory: number[];
  /** Significant trend (Sen's slope per sample, else 0) and the de-trended range projected to the last fit. */
  slope: number;
  trendRange: SpatialRangeState | null;
  range: SpatialRangeState | null;
  kalman: KalmanFilterState | null;
  likelihood: AnomalyLikelihoodState;
  runLength: number;
  holdOff: number;
}

/**
 * The default station detector: sliding, score-then-learn, built to close the reference's blind spots.
 *
 * For each new value x (after a warm-up of `window` samples, reported as such and never flagged):
 * 1. Raw score = the Isolation Forest score of (x, x - previous) against a forest fitted on past values only.
 * 2. The raw score becomes a calibrated score through the anomaly likelihood (Numenta): how unusual the recent raw
 *    scores are compared with their own history, on a log scale where 0.5 means a tail probability of 1e-5.
 * 3. Hard evidence scores 1 at once: the spatial check (x beyond the range seen so far plus a 5 % margin; under a
 *    significant trend x must also leave the trend-projected range, so a trend does not flood), a stuck sensor (a
 *    run of identical values whose probability under the history's repeat rate is below 1e-4) and a dropout (an
 *    exact 0 from a sensor whose history makes a 0 that rare).
 * 4. One alarm per event: after an alarm, the next `window` samples are not flagged (their scores are scaled down).
 * 5. Then the value is learned; the forest is refitted on the last min(window, 512) values every window / 2
 *    samples (window / 4 while a trend lasts). The trend is Mann-Kendall (Yue-Wang) with Sen's slope on a long
 *    thinned history of Kalman-smoothed values: it de-trends the spatial check and speeds refits, never flags.
 *
 * State is compact: the recent values and the forest's training sample, never trees (a restored detector regrows
 * the identical forest from its seed and fit count).
 */
export class StationDetector implements StreamDetector {
  static readonly modes: readonly Mode[] = ['sliding'];
  static readonly defaultThreshold = 0.5;
  readonly kind = 'default';

  private readonly options: ResolvedDetectorOptions;
  private readonly trainingSize: number;
  private readonly thinning: number;
  private seenCount = 0;
  private recent: number[] = [];
  private training: number[] | null = null;
  private forest: IsolationForest | null = null;
  private fits = 0;
  private sinceFit = 0;
  private longHistory: number[] = [];
  private slope = 0;
  private trendRange = new SpatialRange(SPATIAL_MARGIN);
  private range = new SpatialRange(SPATIAL_MARGIN);
  private kalman: KalmanFilter | null = null;
  private likelihood: AnomalyLikelihood;
  private runLength = 0;
  private holdOff = 0;

  constructor(options: ResolvedDetectorOptions) {
    this.options = options;
    this.trainingSize = Math.min(options.window, MAX_TRAINING);
    this.thinning = Math.max(1, Math.round(options.window / TREND_THINNING));
    this.likelihood = new AnomalyLikelihood(StationDetector.likelihoodOptions(options.window));
  }

  private static likelihoodOptions(window: number) {
    return { averaging: 10, learning: Math.max(window, 50), memory: Math.max(20 * window, 1000) };
  }

  get seen(): number {
    return this.seenCount;
  }

  get warmingUp(): boolean {
    return this.forest === null;
  }

  push(value: number): ScoredSample[] {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidInputError('value', `must be a finite number, got ${String(value)}`);
    }
    const seq = this.seenCount++;
    const previous = this.recent.length > 0 ? this.recent[this.recent.length - 1]! : value;
    this.runLength = value === previous && this.recent.length > 0 ? this.runLength + 1 : 0;

    let score = 0;
    if (this.forest !== null) {
      const isolation = this.forest.scoreOne([value, value - previous]);
      score = this.likelihood.update(isolation);
      // Under a significant trend new extremes are expected: x must also leave the trend-projected range.
      const spatial = Math.min(
        this.range.excess(value),
        this.slope === 0
          ? Number.POSITIVE_INFINITY
          : this.trendRange.excess(value, this.slope * this.sinceFit),
      );
      if (spatial > 0 || this.stuck() || this.dropout(value, previous)) score = 1;
    }

    let outlier = false;
    if (this.holdOff > 0) {
      this.holdOff--;
      score *= HOLD_OFF_WEIGHT;
    } else if (score > this.options.threshold) {
      outlier = true;
      this.holdOff = this.options.window;
    }

    this.learn(value);
    return [{ seq, score, outlier }];
  }

  toJSON(): StationState {
    return {
      kind: this.kind,
      formatVersion: FORMAT_VERSION,
      options: { ...this.options },
      seen: this.seenCount,
      recent: [...this.recent],
      training: this.training === null ? null : [...this.training],
      fits: this.fits,
      sinceFit: this.sinceFit,
      longHistory: [...this.longHistory],
      slope: this.slope,
      trendRange: this.trendRange.toJSON(),
      range: this.range.toJSON(),
      kalman: this.kalman === null ? null : this.kalman.toJSON(),
      likelihood: this.likelihood.toJSON(),
      runLength: this.runLength,
      holdOff: this.holdOff,
    };
  }

  /** Restores `toJSON()` output; the forest is regrown from the stored training sample and seed. */
  static fromJSON(state: StreamDetectorState, options: ResolvedDetectorOptions): StationDetector {
    const s = state as Partial<StationState>;
    if (s.formatVersion !== FORMAT_VERSION) {
      throw new InvalidInputError(
        'state',
        `unsupported default detector format version ${String(s.formatVersion)}`,
      );
    }
    const counts = [s.seen, s.fits, s.sinceFit, s.runLength, s.holdOff];
    const numbers = [s.slope];
    if (
      !counts.every((c) => Number.isInteger(c) && (c as number) >= 0) ||
      !numbers.every((v) => typeof v === 'number' && !Number.isNaN(v)) ||
      !isNumberArray(s.recent) ||
      !isNumberArray(s.longHistory) ||
      !isRange(s.range) ||
      !isRange(s.trendRange) ||
      !(s.training === null || isNumberArray(s.training))
    ) {
      throw new InvalidInputError('state', 'malformed default detector state');
    }
    const d = new StationDetector(options);
    d.seenCount = s.seen!;
    d.recent = [...s.recent];
    d.range = SpatialRange.fromJSON(SPATIAL_MARGIN, s.range!);
    d.longHistory = [...s.longHistory];
    d.kalman = s.kalman == null ? null : KalmanFilter.fromJSON(s.kalman);
    d.likelihood = AnomalyLikelihood.fromJSON(
      s.likelihood!,
      StationDetector.likelihoodOptions(options.window),
    );
    d.runLength = s.runLength!;
    d.holdOff = s.holdOff!;
    if (s.training) {
      d.fits = s.fits! - 1;
      d.fitForest(s.training);
    }
    // After the regrowth, which resets them.
    d.sinceFit = s.sinceFit!;
    d.slope = s.slope!;
    d.trendRange = SpatialRange.fromJSON(SPATIAL_MARGIN, s.trendRange!);
    return d;
  }

  /** True when the current run of identical values is improbably long given how often the history repeats. */
  private stuck(): boolean {
    if (this.runLength < 2 || this.training === null) return false;
    let repeats = 0;
    for (let i = 1; i < this.training.length; i++) if (this.training[i] === this.training[i - 1]) repeats++;
    // A history that is one long run (a flat-lined series) makes no run news.
    if (repeats === this.training.length - 1) return false;
    // A history that is one long run (a flat-lined series) makes no run news.
    if (repeats === this.training.length - 1) return false;
    // Laplace's rule of succession for the repeat probability, then the probability of the whole run.
    const p = (repeats + 1) / (this.training.length + 1);
    return this.runLength * Math.log(p) < Math.log(RARE);
  }

  /** True for a jump to exactly 0 when 0 readings are that rare in the history. */
  private dropout(value: number, previous: number): boolean {
    if (value !== 0 || previous === 0 || this.training === null) return false;
    let zeros = 0;
    for (const v of this.training) if (v === 0) zeros++;
    return (zeros + 1) / (this.training.length + 2) < Math.sqrt(RARE);
  }

  private learn(value: number): void {
    this.recent.push(value);
    if (this.recent.length > this.trainingSize + 1) this.recent.shift();
    this.range.observe(value);
    this.sinceFit++;
    const W = this.options.window;
    this.kalman ??= new KalmanFilter({ ...KALMAN, x0: value });
    const { estimate } = this.kalman.update(value);
    if (this.seenCount % this.thinning === 0) {
      this.longHistory.push(estimate);
      if (this.longHistory.length > TREND_POINTS) this.longHistory.shift();
    }
    const interval = Math.max(4, Math.floor((this.slope !== 0 ? W / 4 : W / 2) + 0.5));
    if (this.forest === null ? this.recent.length > this.trainingSize : this.sinceFit >= interval) {
      this.fitForest(this.recent);
    }
  }

  /** Fits the forest on (x, x - previous) pairs of `values` and tests them for a trend. */
  private fitForest(values: readonly number[]): void {
    const rows: number[][] = [];
    for (let i = 1; i < values.length; i++) rows.push([values[i]!, values[i]! - values[i - 1]!]);
    this.forest = new IsolationForest({
      trees: TREES,
      sampleSize: SAMPLE_SIZE,
      maxTrainingRows: rows.length,
      seed: fitSeed(this.options.seed, this.fits),
    }).fit(rows);
    this.training = [...values];
    this.fits++;
    this.sinceFit = 0;
    this.fitTrend();
  }

  /**
   * Tests the long history for a trend; when significant, keeps its Sen's slope per sample and the range of the
   * history de-trended to now (each value moved along the trend to the present), so only departures from the
   * trend are extremes.
   */
  private fitTrend(): void {
    this.slope = 0;
    this.trendRange = new SpatialRange(SPATIAL_MARGIN);
    const h = this.longHistory;
    if (h.length < MIN_TREND_POINTS) return;
    const test = mannKendall(h, { alpha: TREND_ALPHA, method: 'yue-wang' });
    if (!test.h) return;
    this.slope = test.slope / this.thinning;
    const ageOfLast = this.seenCount % this.thinning;
    for (let i = 0; i < h.length; i++) {
      this.trendRange.observe(h[i]! + test.slope * (h.length - 1 - i) + this.slope * ageOfLast);
    }
    for (const v of this.recent) this.trendRange.observe(v);
  }
}

function isRange(x: unknown): x is SpatialRangeState | null {
  return x === null || isNumberArray([(x as SpatialRangeState)?.min, (x as SpatialRangeState)?.max]);
}

function isNumberArray(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isFinite(v));
}
