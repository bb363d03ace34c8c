import { InvalidInputError } from '../errors.js';
import { KalmanFilter, type KalmanFilterState } from '../filters/kalman-filter.js';
import { fitScoreTable, type ScoreTable } from '../forest/score-table.js';
import { mannKendall } from '../stats/mann-kendall.js';
import { AnomalyLikelihood, type AnomalyLikelihoodState } from './anomaly-likelihood.js';
import { isSpatialRangeState, SpatialRange, type SpatialRangeState } from './evidence/spatial-range.js';
import {
  isTransientScaleState,
  TransientCheck,
  type TransientScaleState,
} from './evidence/transient-check.js';
import type { ResolvedDetectorOptions } from './registry.js';
import { fitSeed } from './seeds.js';
import { isNumberArray } from './state-checks.js';
import type { ScoredSample, StreamDetector, StreamDetectorState } from './stream-detector.js';

/**
 * Trees and subsample size of the univariate forest of levels. Small on purpose: the detector keeps only each
 * tree's step function (a few dozen thresholds), scores with one binary search per tree and refits every half
 * window, which NAB
 * needs (refitting every window costs it about 2 points) and which was most of the detector's time. 6 trees score
 * NAB standard 50.8-52.6 over three seeds (8 trees: 51.0-52.4, 16: 52.3) for 3/8 of the refit time of 16. A
 * second forest of changes (x - previous) added nothing once the transient check caught jumps, so there is none.
 */
const TREES = 6;
const SAMPLE_SIZE = 64;
/** The forest learns from at most this many recent samples (bounds state, memory and refit cost). */
const MAX_TRAINING = 256;
/** Spatial check margin, as a fraction of the range seen so far (Numenta's NAB detector uses 5 %). */
const SPATIAL_MARGIN = 0.05;
/**
 * Trend test: Mann-Kendall (Yue-Wang, robust to the autocorrelation of daily cycles) at this level on a long,
 * thinned history of TREND_POINTS values, one every window / 8 samples (8 windows in all), rerun every
 * TREND_EVERY new history points (four windows): the history moves slowly, so testing it more often buys nothing
 * (the same streams and NAB results as every two windows, and as 16 windows of history); Sen's slope is O(n^2) in
 * the history and was a quarter of the time besides refits.
 */
const TREND_ALPHA = 0.01;
const TREND_POINTS = 64;
const TREND_THINNING = 8;
const MIN_TREND_POINTS = 16;
const TREND_EVERY = 32;
/**
 * Random-walk Kalman filter (gain about 0.27: a few samples of memory) smoothing the values the trend test sees,
 * so that noise and single outliers do not make or break a trend.
 */
const KALMAN = { q: 0.1, r: 1, p0: 1 };
/** A repeat run is flagged when its probability under the history is below this. */
const RARE = 1e-4;
/**
 * A jump to exactly 0 is a dropout when the history makes a 0 rarer than this (Laplace's rule): 1 in 50 is
 * reachable from a training set of 65 values (W = 64) without a single 0, where 1e-2 was not.
 */
const ZERO_RARE = 0.02;
/**
 * Transient check (transient-check.ts): each side of a spike must exceed this many typical absolute changes.
 * 6 typical changes are about 7 noise sd for Gaussian noise (mean |change| = 1.13 sd), and both sides must
 * exceed it, so clean noise essentially never passes; the scale's memory is one window and learned changes are
 * capped at 4 typical changes so spikes do not inflate it.
 */
const TRANSIENT_K = 6;
const TRANSIENT_CLIP = 4;
/**
 * Transients are evidence only while fewer than 1 in 100 samples is one (over the likelihood's memory): station
 * glitches come a few per thousand samples, a spiky series' ordinary peaks every few dozen.
 */
const TRANSIENT_MAX_RATE = 0.01;
/**
 * Level step (transient-check.ts `step`): a jump of more than TRANSIENT_K typical changes with at most this many
 * on either side. It is evidence only when it lands beyond the long history's range plus the spatial margin: a
 * step back into that range is a recovery (the recalibration that ends a drift, a stuck sensor coming back) and a
 * step to a level seen in the last days is routine (square waves, daily regimes). Station streams, level shifts
 * found at their first sample: 0.03 -> 0.53 (seed 12345) and 0.67 (seed 777, never used to choose settings), F1
 * 0.868 -> 0.885 and 0.860 -> 0.887 at the same precision; NAB standard 52.58 -> 52.15.
 */
const STEP_CALM = 3;
/** Within the hold-off after an alarm, scores are reported scaled by this (the event was already raised). */
const HOLD_OFF_WEIGHT = 0.25;
/**
 * 6: one forest of 6 trees, fit k seeded fitSeed(seed, k), a trend history of 64 points. States of other versions
 * (3: two 16-tree forests, 4: 8 trees, 5: 128 history points) would not continue as they would have, so they are
 * refused rather than restored inexactly.
 */
const FORMAT_VERSION = 6;

type Mode = 'sliding';

interface StationState extends StreamDetectorState {
  seen: number;
  /**
   * The last values, oldest first: at most trainingSize + 1 + refit interval, so the forest's training values
   * (the trainingSize + 1 values before the last `sinceFit`) are always among them.
   */
  recent: number[];
  /** Forest fits so far (0 while warming up); fit k is seeded with fitSeed(seed, k). */
  fits: number;
  sinceFit: number;
  /** Long thinned history for the trend test, oldest first. */
  longHistory: number[];
  /** Significant trend (Sen's slope per sample, else 0), samples since it was tested, de-trended range. */
  slope: number;
  sinceTrend: number;
  trendRange: SpatialRangeState | null;
  range: SpatialRangeState | null;
  kalman: KalmanFilterState | null;
  likelihood: AnomalyLikelihoodState;
  runLength: number;
  holdOff: number;
  transient: TransientScaleState;
  pending: Pending | null;
}

/** The newest sample, scored on arrival, waiting for its successor before its verdict. */
interface Pending {
  /** Score from the evidence available on arrival (0 while warming up). */
  score: number;
  /** Scored after warm-up (only such samples can be flagged). */
  live: boolean;
  /** Flagged as a dropout on arrival (kept out of the spatial range). */
  dropout: boolean;
}

/** What a fit leaves behind: the step function and the counts the stuck and dropout checks use. */
interface Fitted {
  level: ScoreTable;
  /** Training values, consecutive repeats among them, and zeros among them. */
  length: number;
  repeats: number;
  zeros: number;
}

/**
 * The forest station detector (the default of the previous release, kept under its own name for comparison and
 * for users who tuned to it): sliding, score-then-learn, built to close the reference's blind spots and cheap
 * enough for 100k samples/s per process (a few microseconds and kilobytes per detector).
 *
 * Verdicts come one push late: the sample pushed last waits for its successor (step 3's transient check needs
 * it; `flush` decides it alone at the end of a finite stream). For each new value x (after a warm-up of
 * min(window, 256) + 1 samples, reported as such and never flagged):
 * 1. Raw score = the Isolation Forest score of x under a univariate forest of past levels, kept as its float32
 *    score runs (see score-table.ts), so scoring is a binary search per tree.
 * 2. The raw score becomes a calibrated score through the anomaly likelihood (Numenta): how unusual the recent raw
 *    scores are compared with their own history, on a log scale where 0.5 means a tail probability of 1e-5.
 * 3. Hard evidence scores 1 at once: the spatial check (x beyond the range seen so far plus a 5 % margin; under a
 *    significant trend x must also leave the trend-projected range, so a trend does not flood), a stuck sensor (a
 *    run of identical values whose probability under the history's repeat rate is below 1e-4) and a dropout (an
 *    exact 0 from a sensor whose history makes a 0 rarer than 1 in 50).
 *    Once its successor arrives, x also scores 1 if it was a transient (transient-check.ts): it left its
 *    predecessor by more than 6 typical sample-to-sample changes and came at least half-way back, while such
 *    transients are rarer than 1 in 100 samples in this series; or if it was a level step to a new level: a jump
 *    of more than 6 typical changes between calm ones, landing beyond the range of the last days (STEP_CALM).
 *    These are the local checks the range cannot be: a flood widens the range for ever, but a spike or a level
 *    shift inside a past flood's range still stands out from its neighbours, and a flood's own rise does not come
 *    back. Transients and dropouts are not learned into the
 *    range, so one glitch does not hide later glitches of its size.
 * 4. One alarm per event: after an alarm, the next `window` samples are not flagged (their scores are scaled down).
 * 5. Then the value is learned; the forest is refitted on the last min(window, 256) + 1 values every window / 2
 *    samples. Every four windows, Mann-Kendall (Yue-Wang) with Sen's slope tests a long thinned history of
 *    Kalman-smoothed values for a trend: it de-trends the spatial check, never flags.
 *
 * State is compact and JSON-safe: recent values, counters and a few statistics, never trees. A restored detector
 * regrows the identical forest from the stored values and its seed, lazily on its first push, so restoring many
 * detectors costs little until they are used.
 */
export class ForestDetector implements StreamDetector {
  static readonly modes: readonly Mode[] = ['sliding'];
  static readonly defaultThreshold = 0.5;
  readonly kind = 'forest';

  private readonly options: ResolvedDetectorOptions;
  private readonly trainingSize: number;
  private readonly interval: number;
  private readonly thinning: number;
  private seenCount = 0;
  /** Ring buffer of the last values: `recentCount` of them, the newest at `recentHead - 1`. */
  private readonly recent: Float64Array;
  private recentHead = 0;
  private recentCount = 0;
  private fits = 0;
  private sinceFit = 0;
  /** The current fit, or null while warming up or until a restored detector regrows it. */
  private fitted: Fitted | null = null;
  /** Ring buffer of the long thinned history, like `recent`. */
  private readonly longHistory = new Float64Array(TREND_POINTS);
  private longHead = 0;
  private longCount = 0;
  private slope = 0;
  private sinceTrend = 0;
  private trendRange = new SpatialRange(SPATIAL_MARGIN);
  private range = new SpatialRange(SPATIAL_MARGIN);
  private kalman: KalmanFilter | null = null;
  private likelihood: AnomalyLikelihood;
  private runLength = 0;
  private holdOff = 0;
  private transient: TransientCheck;
  private pending: Pending | null = null;
  /** What `pending` points to once set: one object per detector, rewritten by each push (not one per sample). */
  private readonly pendingSlot: Pending = { score: 0, live: false, dropout: false };

  constructor(options: ResolvedDetectorOptions) {
    this.options = options;
    this.trainingSize = Math.min(options.window, MAX_TRAINING);
    this.interval = Math.max(4, Math.round(options.window / 2));
    this.recent = new Float64Array(this.trainingSize + 1 + this.interval);
    this.thinning = Math.max(1, Math.round(options.window / TREND_THINNING));
    this.likelihood = new AnomalyLikelihood(ForestDetector.likelihoodOptions(options.window));
    this.transient = ForestDetector.transientCheck(options.window);
  }

  private static transientCheck(window: number, state?: TransientScaleState): TransientCheck {
    const { memory } = ForestDetector.likelihoodOptions(window);
    return new TransientCheck(TRANSIENT_K, window, TRANSIENT_CLIP, memory, TRANSIENT_MAX_RATE, state);
  }

  private static likelihoodOptions(window: number) {
    return { averaging: 10, learning: Math.max(window, 50), memory: Math.max(20 * window, 1000) };
  }

  get seen(): number {
    return this.seenCount;
  }

  get warmingUp(): boolean {
    return this.fits === 0;
  }

  push(value: number): ScoredSample[] {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidInputError('value', `must be a finite number, got ${String(value)}`);
    }
    // The previous sample gets its verdict now that its successor shows whether it was a transient.
    const decided = this.pending === null ? [] : [this.decide(value)];
    this.seenCount++;
    const previous = this.recentCount > 0 ? this.recentAt(0) : value;
    this.runLength = value === previous && this.recentCount > 0 ? this.runLength + 1 : 0;

    const pending = this.pendingSlot;
    pending.score = 0;
    pending.live = this.fits > 0;
    pending.dropout = false;
    if (pending.live) {
      this.fitted ??= this.regrow();
      const fitted = this.fitted;
      pending.score = this.likelihood.update(fitted.level.at(value));
      // Under a significant trend new extremes are expected: x must also leave the trend-projected range.
      const spatial = Math.min(
        this.range.excess(value),
        this.slope === 0
          ? Number.POSITIVE_INFINITY
          : this.trendRange.excess(value, this.slope * this.sinceTrend),
      );
      pending.dropout = this.dropout(fitted, value, previous);
      if (spatial > 0 || this.stuck(fitted) || pending.dropout) pending.score = 1;
    }
    this.pending = pending;
    this.learn(value, value - previous);
    return decided;
  }

  /** Scores the sample still waiting for its successor (the last one of a finite stream). */
  flush(): ScoredSample[] {
    return this.pending === null ? [] : [this.decide(undefined)];
  }

  /**
   * The verdict on the pending sample (the newest value learned), given its successor when there is one: a
   * transient scores 1; then one alarm per event. Values that were transients or dropouts stay out of the
   * spatial range, so a glitch does not hide every later glitch of its size.
   */
  private decide(after: number | undefined): ScoredSample {
    const { score: arrival, live, dropout } = this.pending!;
    this.pending = null;
    const x = this.recentAt(0);
    const transient =
      live && after !== undefined && this.recentCount > 1 && this.transient.test(this.recentAt(1), x, after);
    const step =
      !transient &&
      live &&
      after !== undefined &&
      this.recentCount > 2 &&
      this.transient.step(this.recentAt(2), this.recentAt(1), x, after, STEP_CALM) &&
      this.beyondLongRange(x);
    let score = transient || step ? 1 : arrival;
    let outlier = false;
    if (this.holdOff > 0) {
      this.holdOff--;
      score *= HOLD_OFF_WEIGHT;
    } else if (score > this.options.threshold) {
      outlier = true;
      this.holdOff = this.options.window;
    }
    if (!transient && !dropout) this.range.observe(x);
    return { seq: this.seenCount - 1, score, outlier };
  }

  toJSON(): StationState {
    return {
      kind: this.kind,
      formatVersion: FORMAT_VERSION,
      options: { ...this.options },
      seen: this.seenCount,
      recent: ringToArray(this.recent, this.recentHead, this.recentCount),
      fits: this.fits,
      sinceFit: this.sinceFit,
      longHistory: ringToArray(this.longHistory, this.longHead, this.longCount),
      slope: this.slope,
      sinceTrend: this.sinceTrend,
      trendRange: this.trendRange.toJSON(),
      range: this.range.toJSON(),
      kalman: this.kalman === null ? null : this.kalman.toJSON(),
      likelihood: this.likelihood.toJSON(),
      runLength: this.runLength,
      holdOff: this.holdOff,
      transient: this.transient.toJSON(),
      pending: this.pending === null ? null : { ...this.pending },
    };
  }

  /**
   * Restores `toJSON()` output without growing anything: the forest is regrown on the first push, from the
   * stored values and the seed of the last fit.
   */
  static fromJSON(state: StreamDetectorState, options: ResolvedDetectorOptions): ForestDetector {
    const s = state as Partial<StationState>;
    if (s.formatVersion !== FORMAT_VERSION) {
      throw new InvalidInputError(
        'state',
        `unsupported forest detector format version ${String(s.formatVersion)}`,
      );
    }
    const d = new ForestDetector(options);
    const counts = [s.seen, s.fits, s.sinceFit, s.sinceTrend, s.runLength, s.holdOff];
    if (
      !counts.every((c) => Number.isInteger(c) && (c as number) >= 0) ||
      !Number.isFinite(s.slope) ||
      !isNumberArray(s.recent) ||
      s.recent.length > d.recent.length ||
      s.recent.length > s.seen! ||
      !isNumberArray(s.longHistory) ||
      s.longHistory.length > TREND_POINTS ||
      !isSpatialRangeState(s.range) ||
      !isSpatialRangeState(s.trendRange) ||
      !isTransientScaleState(s.transient) ||
      !(s.pending === null || isPending(s.pending)) ||
      // A fitted detector must still hold the values its forest was grown on.
      (s.fits! > 0 && s.recent.length < d.trainingSize + 1 + s.sinceFit!)
    ) {
      throw new InvalidInputError('state', 'malformed forest detector state');
    }
    d.seenCount = s.seen!;
    for (const v of s.recent) d.remember(v);
    for (const v of s.longHistory) d.rememberLong(v);
    d.fits = s.fits!;
    d.sinceFit = s.sinceFit!;
    d.slope = s.slope!;
    d.sinceTrend = s.sinceTrend!;
    d.range = SpatialRange.fromJSON(SPATIAL_MARGIN, s.range!);
    d.trendRange = SpatialRange.fromJSON(SPATIAL_MARGIN, s.trendRange!);
    d.kalman = s.kalman == null ? null : KalmanFilter.fromJSON(s.kalman);
    d.likelihood = AnomalyLikelihood.fromJSON(
      s.likelihood!,
      ForestDetector.likelihoodOptions(options.window),
    );
    d.runLength = s.runLength!;
    d.holdOff = s.holdOff!;
    d.transient = ForestDetector.transientCheck(options.window, s.transient);
    d.pending = s.pending === null ? null : { ...s.pending! };
    return d;
  }

  /** The value `age` pushes back (0 = the newest). */
  private recentAt(age: number): number {
    const capacity = this.recent.length;
    return this.recent[(this.recentHead - 1 - age + capacity) % capacity]!;
  }

  private remember(value: number): void {
    this.recent[this.recentHead] = value;
    this.recentHead = (this.recentHead + 1) % this.recent.length;
    if (this.recentCount < this.recent.length) this.recentCount++;
  }

  private rememberLong(value: number): void {
    this.longHistory[this.longHead] = value;
    this.longHead = (this.longHead + 1) % TREND_POINTS;
    if (this.longCount < TREND_POINTS) this.longCount++;
  }

  /** True when the current run of identical values is improbably long given how often the history repeats. */
  private stuck({ length, repeats }: Fitted): boolean {
    if (this.runLength < 2) return false;
    // A history that is one long run (a flat-lined series) makes no run news.
    if (repeats === length - 1) return false;
    // Laplace's rule of succession for the repeat probability, then the probability of the whole run.
    const p = (repeats + 1) / (length + 1);
    return this.runLength * Math.log(p) < Math.log(RARE);
  }

  /** True for a jump to exactly 0 when 0 readings are that rare in the history. */
  private dropout({ length, zeros }: Fitted, value: number, previous: number): boolean {
    if (value !== 0 || previous === 0) return false;
    return (zeros + 1) / (length + 2) < ZERO_RARE;
  }

  private learn(value: number, change: number): void {
    this.remember(value);
    this.transient.observe(change);
    this.sinceFit++;
    this.sinceTrend++;
    this.kalman ??= new KalmanFilter({ ...KALMAN, x0: value });
    const { estimate } = this.kalman.update(value);
    if (this.seenCount % this.thinning === 0) {
      this.rememberLong(estimate);
      if (this.fits > 0 && this.seenCount % (this.thinning * TREND_EVERY) === 0) this.fitTrend();
    }
    if (this.fits === 0 ? this.recentCount > this.trainingSize : this.sinceFit >= this.interval) {
      this.fitted = this.fit(0);
      this.fits++;
      this.sinceFit = 0;
    }
  }

  /** The fit of a restored detector, regrown from the values it was grown on. */
  private regrow(): Fitted {
    this.fits--;
    const fitted = this.fit(this.sinceFit);
    this.fits++;
    return fitted;
  }

  /**
   * Fits the forest on the trainingSize + 1 values that end `age` pushes back (levels x[1..]; x[0] only counts
   * for repeats and zeros), seeded by the fit count so a regrowth is identical.
   */
  private fit(age: number): Fitted {
    const n = this.trainingSize;
    const levels = new Float64Array(n);
    let before = this.recentAt(age + n);
    let repeats = 0;
    let zeros = before === 0 ? 1 : 0;
    for (let i = 0; i < n; i++) {
      const v = this.recentAt(age + n - 1 - i);
      levels[i] = v;
      if (v === before) repeats++;
      if (v === 0) zeros++;
      before = v;
    }
    const seed = fitSeed(this.options.seed, this.fits);
    // Into the previous fit's table: nothing it held is used once this fit is made.
    const level = fitScoreTable(levels, { trees: TREES, sampleSize: SAMPLE_SIZE, seed }, this.fitted?.level);
    return { level, length: n + 1, repeats, zeros };
  }

  /** Whether `x` lies beyond the range of the long history plus the spatial margin (true while it is empty). */
  private beyondLongRange(x: number): boolean {
    if (this.longCount === 0) return true;
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.longCount; i++) {
      const v = this.longHistory[i]!;
      if (v < low) low = v;
      if (v > high) high = v;
    }
    const margin = SPATIAL_MARGIN * (high - low);
    return x < low - margin || x > high + margin;
  }

  /**
   * Tests the long history for a trend; when significant, keeps its Sen's slope per sample and the range of the
   * history de-trended to now (each value moved along the trend to the present) and of the recent values, so
   * only departures from the trend are extremes.
   */
  private fitTrend(): void {
    this.slope = 0;
    this.sinceTrend = 0;
    this.trendRange = new SpatialRange(SPATIAL_MARGIN);
    const h = ringToArray(this.longHistory, this.longHead, this.longCount);
    if (h.length < MIN_TREND_POINTS) return;
    const test = mannKendall(h, { alpha: TREND_ALPHA, method: 'yue-wang' });
    if (!test.h) return;
    this.slope = test.slope / this.thinning;
    for (let i = 0; i < h.length; i++) this.trendRange.observe(h[i]! + test.slope * (h.length - 1 - i));
    const recent = Math.min(this.recentCount, this.trainingSize + 1);
    for (let age = 0; age < recent; age++) this.trendRange.observe(this.recentAt(age));
  }
}

/** The `count` values of a ring buffer whose next write goes to `head`, oldest first. */
function ringToArray(ring: Float64Array, head: number, count: number): number[] {
  // Pushed, not preallocated: `new Array(count)` makes a holey array, which V8's serializer (the station state is
  // written with it after every block) writes element by element at twice the cost.
  const out: number[] = [];
  const start = head - count + ring.length;
  for (let i = 0; i < count; i++) out.push(ring[(start + i) % ring.length]!);
  return out;
}

function isPending(x: unknown): x is Pending {
  const p = x as Pending;
  return isNumberArray([p?.score]) && typeof p.live === 'boolean' && typeof p.dropout === 'boolean';
}
