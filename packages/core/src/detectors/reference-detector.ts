import { InvalidInputError } from '../errors.js';
import { kalmanFilter } from '../filters/kalman-filter.js';
import { IsolationForest } from '../forest/isolation-forest.js';
import { mannKendall } from '../stats/mann-kendall.js';
import { wilcoxon } from '../stats/wilcoxon.js';
import type { ResolvedDetectorOptions } from './registry.js';
import { fitSeed } from './seeds.js';
import type { ScoredSample, StreamDetector, StreamDetectorState } from './stream-detector.js';

/** Isolation Forest size of the reference service. */
const TREES = 100;
const MAX_SAMPLE_SIZE = 256;
/** Drift test: Mann-Kendall (Yue-Wang) significance, Sen's slope bound, Wilcoxon significance. */
const DRIFT_ALPHA = 0.05;
const DRIFT_MIN_SLOPE = 0.1;
/** The sliding variant runs the drift test every STEP samples. */
const SLIDING_STEP = 5;
/** Random-walk Kalman filter of the 'kalman' variant (applied to the drift test's inputs only). */
const KALMAN = { q: 0.001, r: 1, x0: 0, p0: 1 };
const FORMAT_VERSION = 1;

type Mode = 'tumbling' | 'kalman' | 'sliding';

interface ReferenceState extends StreamDetectorState {
  seen: number;
  /** Tumbling: the window being filled. Sliding: the last `window` values (FIFO). */
  buffer: number[];
  /** The window the forest was fitted on (R), or null before the first fit. */
  reference: number[] | null;
  /** Forests fitted so far; forest k is seeded with deriveSeed(seed, k). */
  fits: number;
  /** Sliding: samples since the last drift test. */
  sinceTest: number;
}

/**
 * The reference station algorithm, reproduced for comparison (see docs: reference-systems.md, part A), with its
 * date bug fixed (every flagged sample carries its own seq) and its forests seeded.
 *
 * Tumbling modes ('tumbling', 'kalman'): windows of exactly W samples; the first fits an Isolation Forest
 * (100 trees, subsample min(256, W)) and is scored by it; each later window C is scored by the current forest
 * unless the drift test fires, in which case the forest is refitted on C (R = C) first. Drift =
 * (Mann-Kendall with Yue-Wang correction significant at 0.05 AND Sen's slope > 0.1) OR (Wilcoxon signed-rank on
 * C[i] - R[i], zsplit, two-sided, p < 0.05). 'kalman' smooths C and R with a random-walk Kalman filter for the
 * drift test only. 'sliding' keeps the last W values, scores only the newest and tests drift every 5 samples.
 * Outlier when score > threshold (0.8).
 *
 * Its known blind spot (kept on purpose): a forest cannot score a value beyond its training range higher than
 * the range's edge, so a spike after the fit is missed unless its window is refitted.
 */
export class ReferenceDetector implements StreamDetector {
  static readonly modes: readonly Mode[] = ['tumbling', 'kalman', 'sliding'];
  static readonly defaultThreshold = 0.8;
  readonly kind = 'reference';

  private readonly options: ResolvedDetectorOptions;
  private readonly mode: Mode;
  private seenCount = 0;
  private buffer: number[] = [];
  private reference: number[] | null = null;
  private forest: IsolationForest | null = null;
  private fits = 0;
  private sinceTest = 0;

  constructor(options: ResolvedDetectorOptions) {
    this.options = options;
    this.mode = options.mode as Mode;
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
    this.seenCount++;
    return this.mode === 'sliding' ? this.pushSliding(value) : this.pushTumbling(value);
  }

  /**
   * Scores the samples still waiting for a verdict (a partial tumbling window, or a sliding window that never
   * filled) with the current forest, fitting one on them if none exists yet. Later pushes start a new window.
   */
  flush(): ScoredSample[] {
    if (this.mode === 'sliding') {
      if (this.forest !== null || this.buffer.length === 0) return [];
      this.fit(this.buffer);
      return this.scoreAll(this.buffer, this.seenCount - this.buffer.length);
    }
    const pending = this.buffer;
    if (pending.length === 0) return [];
    this.buffer = [];
    if (this.forest === null) this.fit(pending);
    return this.scoreAll(pending, this.seenCount - pending.length);
  }

  toJSON(): ReferenceState {
    return {
      kind: this.kind,
      formatVersion: FORMAT_VERSION,
      options: { ...this.options },
      seen: this.seenCount,
      buffer: [...this.buffer],
      reference: this.reference === null ? null : [...this.reference],
      fits: this.fits,
      sinceTest: this.sinceTest,
    };
  }

  /** Restores `toJSON()` output; the forest is refitted from the stored reference window and seed. */
  static fromJSON(state: StreamDetectorState, options: ResolvedDetectorOptions): ReferenceDetector {
    const s = state as Partial<ReferenceState>;
    if (s.formatVersion !== FORMAT_VERSION) {
      throw new InvalidInputError('state', `unsupported reference format version ${String(s.formatVersion)}`);
    }
    const counts = [s.seen, s.fits, s.sinceTest];
    if (!counts.every((c) => Number.isInteger(c) && (c as number) >= 0) || !isNumberArray(s.buffer)) {
      throw new InvalidInputError('state', 'malformed reference detector state');
    }
    if (s.reference !== null && !isNumberArray(s.reference)) {
      throw new InvalidInputError('state', 'malformed reference window');
    }
    const detector = new ReferenceDetector(options);
    detector.seenCount = s.seen!;
    detector.buffer = [...s.buffer];
    detector.sinceTest = s.sinceTest!;
    if (s.reference) {
      detector.fits = s.fits! - 1;
      detector.fit(s.reference);
    }
    return detector;
  }

  private pushTumbling(value: number): ScoredSample[] {
    this.buffer.push(value);
    const W = this.options.window;
    if (this.buffer.length < W) return [];
    const current = this.buffer;
    this.buffer = [];
    if (this.reference === null || this.drifted(current, this.reference)) this.fit(current);
    return this.scoreAll(current, this.seenCount - W);
  }

  private pushSliding(value: number): ScoredSample[] {
    const W = this.options.window;
    this.buffer.push(value);
    if (this.buffer.length > W) this.buffer.shift();
    if (this.reference === null) {
      if (this.buffer.length < W) return [];
      this.fit(this.buffer);
      return this.scoreAll(this.buffer, this.seenCount - W);
    }
    if (++this.sinceTest >= SLIDING_STEP) {
      this.sinceTest = 0;
      if (this.drifted(this.buffer, this.reference)) this.fit(this.buffer);
    }
    return this.scoreAll([value], this.seenCount - 1);
  }

  private fit(window: readonly number[]): void {
    this.forest = new IsolationForest({
      trees: TREES,
      sampleSize: Math.min(MAX_SAMPLE_SIZE, window.length),
      // Like scikit-learn, every tree subsamples from the whole window.
      maxTrainingRows: window.length,
      seed: fitSeed(this.options.seed, this.fits),
    });
    this.forest.fit(window);
    this.reference = [...window];
    this.fits++;
  }

  /** The reference's drift test between the current window C and the reference window R (same length). */
  private drifted(current: readonly number[], reference: readonly number[]): boolean {
    const smooth = (x: readonly number[]) =>
      this.mode === 'kalman' ? Array.from(kalmanFilter(x, KALMAN)) : x;
    const c = smooth(current);
    const r = smooth(reference);
    const trend = mannKendall(c, { alpha: DRIFT_ALPHA, method: 'yue-wang' });
    if (trend.h && trend.slope > DRIFT_MIN_SLOPE) return true;
    // Identical windows: the signed-rank test is undefined (every difference is zero), and nothing moved.
    if (c.every((v, i) => v === r[i])) return false;
    const paired = wilcoxon(c, r, { zeroMethod: 'zsplit', alternative: 'two-sided' });
    return paired.p < DRIFT_ALPHA;
  }

  private scoreAll(values: readonly number[], firstSeq: number): ScoredSample[] {
    const scores = this.forest!.score(values);
    const threshold = this.options.threshold;
    return Array.from(scores, (score, i) => ({ seq: firstSeq + i, score, outlier: score > threshold }));
  }
}

function isNumberArray(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isFinite(v));
}
