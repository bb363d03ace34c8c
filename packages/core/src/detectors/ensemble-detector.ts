import { InvalidInputError } from '../errors.js';
import { normalQuantile } from '../stats/normal.js';
import {
  LIKELIHOOD_LEARNING,
  RED_TAIL,
  WindowedLikelihood,
  type WindowedLikelihoodState,
  YELLOW_TAIL,
} from './calibration/windowed-likelihood.js';
import { DecisionStage, type DecisionStageState, type OutlierReason } from './decision-stage.js';
import { DropoutCheck, type DropoutCheckState } from './evidence/dropout-check.js';
import { isSpatialRangeState, SpatialRange, type SpatialRangeState } from './evidence/spatial-range.js';
import { STEP_SPAN, StepCheck, type StepCheckState } from './evidence/step-check.js';
import { StuckCheck, type StuckCheckState } from './evidence/stuck-check.js';
import {
  isTransientScaleState,
  TransientCheck,
  type TransientScaleState,
} from './evidence/transient-check.js';
import { DailyProfileMember, type DailyProfileMemberState } from './members/daily-profile-member.js';
import { LevelMember, type LevelMemberState } from './members/level-member.js';
import { Z_CAP } from './members/score-member.js';
import { SequenceMember, type SequenceMemberState } from './members/sequence-member.js';
import type { ResolvedDetectorOptions } from './registry.js';
import { isCount, isFiniteNumber, isRecord, malformed } from './state-checks.js';
import type { ScoredSample, StreamDetector, StreamDetectorState } from './stream-detector.js';

/**
 * Scores are log tails on a 1e-16 floor: score = log(tail) / log(1e-16), so 0.5 is a tail of 1e-8, the default
 * threshold. (NAB's scorer only ranks scores, so the floor changes nothing there; it puts the default decision in
 * the middle of the scale.)
 */
const TAIL_FLOOR = 1e-16;
const LOG_TAIL_FLOOR = Math.log(TAIL_FLOOR);
/** Range check margin, as a fraction of the range seen so far. */
const SPATIAL_MARGIN = 0.03;
/** After a red, reds of any member are demoted to yellow in the next this many scores (the study's 10). */
const SCORE_HOLD = 10;
/** Transient check: each side of a spike must exceed this many typical changes, learned with a clip of CLIP. */
const TRANSIENT_K = 6;
const TRANSIENT_CLIP = 4;
/** Transients are evidence only while fewer than this share of samples are transients. */
const TRANSIENT_MAX_RATE = 0.01;
/** Window multiples: decision hold W/4, score alarms spaced by 40 W, steps routine within 20 W. */
const HOLD_PER_WINDOW = 0.25;
const SCORE_ALARM_SPACING = 40;
const STEP_MEMORY = 20;
/** 7: the ensemble (6 was the previous release's forest detector, now kind 'forest'). */
const FORMAT_VERSION = 7;

interface Pending {
  score: number;
  /** Whether the sample left the range seen before it. */
  outside: boolean;
  /** What the detector expected and the band it accepted (NaN when it had none). */
  expected: number;
  lower: number;
  upper: number;
}

interface EnsembleState extends StreamDetectorState {
  seen: number;
  level: LevelMemberState;
  profile: DailyProfileMemberState;
  sequence: SequenceMemberState;
  levelLikelihood: WindowedLikelihoodState;
  profileLikelihood: WindowedLikelihoodState;
  sequenceLikelihood: WindowedLikelihoodState;
  range: SpatialRangeState | null;
  scoreHold: number;
  /** The last values (as many as the step check reads) and the last three expected values (null: none), oldest
   * first. */
  values: number[];
  expectations: Array<number | null>;
  transient: TransientScaleState;
  stuck: StuckCheckState;
  dropout: DropoutCheckState;
  step: StepCheckState;
  decision: DecisionStageState;
  pending:
    | (Omit<Pending, 'expected' | 'lower' | 'upper'> & Record<'expected' | 'lower' | 'upper', number | null>)
    | null;
}

/**
 * The default station detector: complementary cheap members, each calibrated by its own anomaly likelihood,
 * combined into one score; hard evidence decides separately (scoring is separate from deciding).
 *
 * Score (what `score` reports, and all that NAB sees), for each value on arrival:
 * 1. Members (O(1) recurrences, raw scores in [0, 1]): the level member (fast against slow exponentially weighted
 *    mean), the daily-profile member (residual to the time-of-day profile; from day 3 on sub-hourly data) and the
 *    sequence member (surprise of the transition between value bins). See members/.
 * 2. Each raw score goes through its own windowed anomaly likelihood (calibration/windowed-likelihood.ts), the
 *    level member's with the novelty gate; the member tails are combined by taking the smallest (the most
 *    surprised member wins).
 * 3. After a red (a tail <= 1e-5), reds in the next 10 samples are demoted to 1e-3: one alarm per event.
 * 4. score = log(tail) / log(1e-16); a value beyond the range seen so far, widened by 3 % of it, scores 1
 *    (the reference's blind spot: a model fitted on the past cannot rank a new extreme above its maximum).
 *    The first 300 samples score 0 while the likelihoods learn.
 * Decision (`outlier`, `reason`), one sample later (the spike and level-shift checks need the successor), by the
 * decision stage (decision-stage.ts): hard evidence from sample W on (evidence/: a spike, a level shift, a stuck
 * run, a dropout), or a score above the threshold that is news, with a hold of W/4 samples after any alarm.
 * Each sample also reports what the detector expected (the daily profile's slot value when it scores, else the
 * level member's slow mean) and the band it accepted: the deviation a lasting shift would need for the member's
 * likelihood to cross the threshold, clipped to the widened range.
 *
 * Reference: docs/background/detection-notes.md, "What the whole NAB corpus rewards"; Ahmad et al. 2017
 * (Neurocomputing 262) for the likelihood; Numenta's NAB detector for the range check.
 * It draws no random numbers (the `seed` option changes nothing). State is plain JSON of about 15 KiB; restores are
 * bit-exact (the conformance suite checks every 37th sample).
 */
export class EnsembleDetector implements StreamDetector {
  static readonly modes: readonly string[] = ['sliding'];
  static readonly defaultThreshold = 0.5;
  readonly kind = 'default';

  private readonly options: ResolvedDetectorOptions;
  private readonly holdLength: number;
  private readonly spacing: number;
  private readonly stepMemory: number;
  /** Standard normal deviate of the tail at the threshold (for the accepted band). */
  private readonly zAtThreshold: number;
  private seenCount = 0;
  private level = new LevelMember();
  private profile = new DailyProfileMember();
  private sequence = new SequenceMember();
  private levelLikelihood = new WindowedLikelihood(true);
  private profileLikelihood = new WindowedLikelihood();
  private sequenceLikelihood = new WindowedLikelihood();
  private range = new SpatialRange(SPATIAL_MARGIN);
  private scoreHold = 0;
  private values: number[] = [];
  private expectations: number[] = [];
  private transient: TransientCheck;
  private stuck = new StuckCheck();
  private dropout = new DropoutCheck();
  private step: StepCheck;
  private decision: DecisionStage;
  private pending: Pending | null = null;
  /** What `pending` points to once set: one object per detector, rewritten by each push. */
  private readonly pendingSlot: Pending = { score: 0, outside: false, expected: 0, lower: 0, upper: 0 };

  constructor(options: ResolvedDetectorOptions) {
    this.options = options;
    const w = options.window;
    this.holdLength = Math.max(1, Math.round(HOLD_PER_WINDOW * w));
    this.spacing = SCORE_ALARM_SPACING * w;
    this.stepMemory = STEP_MEMORY * w;
    this.zAtThreshold = -normalQuantile(TAIL_FLOOR ** options.threshold);
    this.transient = EnsembleDetector.transientCheck(w);
    this.step = new StepCheck(this.stepMemory);
    this.decision = new DecisionStage(options.threshold, this.holdLength, this.spacing);
  }

  private static transientCheck(window: number, state?: TransientScaleState): TransientCheck {
    const rateMemory = Math.max(20 * window, 1000);
    return new TransientCheck(TRANSIENT_K, window, TRANSIENT_CLIP, rateMemory, TRANSIENT_MAX_RATE, state);
  }

  get seen(): number {
    return this.seenCount;
  }

  /** Nothing is flagged before sample W (hard evidence starts there; scores cross the threshold from 300 on). */
  get warmingUp(): boolean {
    return this.seenCount <= this.options.window;
  }

  push(value: number, time: number): ScoredSample[] {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new InvalidInputError('value', `must be a finite number, got ${String(value)}`);
    }
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      throw new InvalidInputError('time', `must be finite epoch milliseconds, got ${String(time)}`);
    }
    remember(this.values, value, STEP_SPAN);
    const decided = this.pending === null ? [] : [this.decide(value)];
    this.pending = this.score(value, time);
    this.seenCount++;
    return decided;
  }

  flush(): ScoredSample[] {
    return this.pending === null ? [] : [this.decide(undefined)];
  }

  /** Scores the newest value against the past, then learns it. */
  private score(value: number, time: number): Pending {
    // tail: the smallest member tail; held: the same with reds demoted, used during the score hold.
    let tail = this.levelLikelihood.update(this.level.update(value, time));
    let held = this.levelLikelihood.red ? YELLOW_TAIL : tail;
    const profileRaw = this.profile.update(value, time);
    if (!Number.isNaN(profileRaw)) {
      const t = this.profileLikelihood.update(profileRaw);
      tail = Math.min(tail, t);
      held = Math.min(held, this.profileLikelihood.red ? YELLOW_TAIL : t);
    }
    const t = this.sequenceLikelihood.update(this.sequence.update(value, time));
    tail = Math.min(tail, t);
    held = Math.min(held, this.sequenceLikelihood.red ? YELLOW_TAIL : t);

    const learning = this.seenCount < LIKELIHOOD_LEARNING;
    if (learning) {
      tail = 1;
      held = 1;
    }
    const outside = !learning && this.range.excess(value) > 0;
    let score = outside
      ? 1
      : Math.log(Math.max(this.scoreHold > 0 ? held : tail, TAIL_FLOOR)) / LOG_TAIL_FLOOR;
    if (this.scoreHold > 0) this.scoreHold--;
    if (tail <= RED_TAIL || outside) this.scoreHold = SCORE_HOLD;
    if (learning) score = 0;

    const usesProfile = !Number.isNaN(this.profile.expected);
    const expected = usesProfile ? this.profile.expected : this.level.expected;
    const halfWidth = usesProfile
      ? this.acceptedDeviation(this.profileLikelihood, this.profile.spread)
      : this.acceptedDeviation(this.levelLikelihood, this.level.spread);
    const pending = this.pendingSlot;
    pending.score = score;
    pending.outside = outside;
    pending.expected = expected;
    pending.lower = Math.max(expected - halfWidth, this.range.lowest());
    pending.upper = Math.min(expected + halfWidth, this.range.highest());
    remember(this.expectations, expected, 3);
    this.range.observe(value);
    return pending;
  }

  /**
   * The lasting deviation from the expected value that would make a member's likelihood reach the threshold:
   * its averaged raw score must reach mean + z sd of the fitted distribution, and a raw score of r needs a
   * deviation of 8 r spreads. Infinite while the likelihood is not fitted or the member's raw scores cannot reach it.
   */
  private acceptedDeviation(likelihood: WindowedLikelihood, spread: number): number {
    if (!likelihood.fitted) return Number.POSITIVE_INFINITY;
    const raw = likelihood.averageAt(this.zAtThreshold);
    return raw < 1 ? Z_CAP * raw * spread : Number.POSITIVE_INFINITY;
  }

  /**
   * The verdict on the pending sample (the newest value learned, x_t), given its successor when there is one:
   * the hard evidence it shows, then the decision stage. The evidence checks learn x_t here.
   */
  private decide(successor: number | undefined): ScoredSample {
    const p = this.pending!;
    this.pending = null;
    const seq = this.seenCount - 1;
    // values: [..., x_{t-1}, x_t, x_{t+1}] with a successor, [..., x_{t-1}, x_t] without.
    const v = this.values;
    const at = v.length - (successor === undefined ? 1 : 2);
    const x = v[at]!;
    const before = at > 0 ? v[at - 1] : undefined;
    const scale = this.transient.scale;

    const stuck = this.stuck.observe(x, before);
    const dropout = this.dropout.observe(x, before, scale);
    let evidence: OutlierReason | null = null;
    const live = seq >= this.options.window;
    if (live && stuck) evidence = 'stuck';
    if (live && dropout) evidence = 'dropout';
    if (successor !== undefined) {
      const expectedBefore = this.expectations[this.expectations.length - 3];
      if (live && evidence === null && expectedBefore !== undefined) {
        if (this.step.test(seq, this.values, expectedBefore, scale)) evidence = 'level-shift';
      }
      // Tested on every sample with neighbours, so the rate of transients is learned during warm-up too.
      if (before !== undefined && this.transient.test(before, x, successor) && live) evidence = 'spike';
    }
    if (before !== undefined && !this.stuck.stuck) this.transient.observe(x - before);

    const reason = this.decision.decide(seq, p.score, p.outside, evidence);
    const sample: ScoredSample = { seq, score: p.score, outlier: reason !== null };
    if (Number.isFinite(p.expected)) sample.expected = p.expected;
    if (Number.isFinite(p.lower) && Number.isFinite(p.upper)) {
      sample.lower = p.lower;
      sample.upper = p.upper;
    }
    if (reason !== null) sample.reason = reason;
    return sample;
  }

  toJSON(): EnsembleState {
    const p = this.pending;
    const finite = (x: number) => (Number.isFinite(x) ? x : null);
    return {
      kind: this.kind,
      formatVersion: FORMAT_VERSION,
      options: { ...this.options },
      seen: this.seenCount,
      level: this.level.toJSON(),
      profile: this.profile.toJSON(),
      sequence: this.sequence.toJSON(),
      levelLikelihood: this.levelLikelihood.toJSON(),
      profileLikelihood: this.profileLikelihood.toJSON(),
      sequenceLikelihood: this.sequenceLikelihood.toJSON(),
      range: this.range.toJSON(),
      scoreHold: this.scoreHold,
      values: [...this.values],
      expectations: this.expectations.map(finite),
      transient: this.transient.toJSON(),
      stuck: this.stuck.toJSON(),
      dropout: this.dropout.toJSON(),
      step: this.step.toJSON(),
      decision: this.decision.toJSON(),
      pending:
        p === null
          ? null
          : {
              score: p.score,
              outside: p.outside,
              expected: finite(p.expected),
              lower: finite(p.lower),
              upper: finite(p.upper),
            },
    };
  }

  /**
   * Restores `toJSON()` output. States of other versions (6: the previous release's forest detector of this kind)
   * are refused with an InvalidInputError naming `state`; the station service then restarts the variable's detector
   * from its options.
   */
  static fromJSON(state: StreamDetectorState, options: ResolvedDetectorOptions): EnsembleDetector {
    const s = state as Partial<EnsembleState>;
    if (s.formatVersion !== FORMAT_VERSION) {
      throw new InvalidInputError(
        'state',
        `unsupported default detector format version ${String(s.formatVersion)}`,
      );
    }
    const pendingOk =
      s.pending === null ||
      (isRecord(s.pending) &&
        isFiniteNumber(s.pending.score) &&
        typeof s.pending.outside === 'boolean' &&
        [s.pending.expected, s.pending.lower, s.pending.upper].every((x) => x === null || isFiniteNumber(x)));
    if (
      !isCount(s.seen) ||
      !isCount(s.scoreHold) ||
      !Array.isArray(s.values) ||
      s.values.length > STEP_SPAN ||
      !s.values.every(isFiniteNumber) ||
      !Array.isArray(s.expectations) ||
      s.expectations.length > 3 ||
      !s.expectations.every((e) => e === null || isFiniteNumber(e)) ||
      !isSpatialRangeState(s.range) ||
      !isTransientScaleState(s.transient) ||
      !pendingOk
    ) {
      malformed('default detector');
    }
    const d = new EnsembleDetector(options);
    d.seenCount = s.seen;
    d.level = LevelMember.fromJSON(s.level);
    d.profile = DailyProfileMember.fromJSON(s.profile);
    d.sequence = SequenceMember.fromJSON(s.sequence);
    d.levelLikelihood = WindowedLikelihood.fromJSON(s.levelLikelihood, true);
    d.profileLikelihood = WindowedLikelihood.fromJSON(s.profileLikelihood);
    d.sequenceLikelihood = WindowedLikelihood.fromJSON(s.sequenceLikelihood);
    d.range = SpatialRange.fromJSON(SPATIAL_MARGIN, s.range);
    d.scoreHold = s.scoreHold;
    d.values = [...s.values];
    d.expectations = s.expectations.map((e) => e ?? Number.NaN);
    d.transient = EnsembleDetector.transientCheck(options.window, s.transient);
    d.stuck = StuckCheck.fromJSON(s.stuck);
    d.dropout = DropoutCheck.fromJSON(s.dropout);
    d.step = StepCheck.fromJSON(s.step, d.stepMemory);
    d.decision = DecisionStage.fromJSON(s.decision, options.threshold, d.holdLength, d.spacing);
    const p = s.pending!;
    if (p !== null) {
      d.pending = Object.assign(d.pendingSlot, {
        score: p.score,
        outside: p.outside,
        expected: p.expected ?? Number.NaN,
        lower: p.lower ?? Number.NEGATIVE_INFINITY,
        upper: p.upper ?? Number.POSITIVE_INFINITY,
      });
    }
    return d;
  }
}

/** Appends `value` to a short history, keeping the newest `size`. */
function remember(history: number[], value: number, size: number): void {
  history.push(value);
  if (history.length > size) history.shift();
}
