import { isCount, isRecord, malformed } from './state-checks.js';

/**
 * Why a sample was flagged: its calibrated score crossed the threshold (`score`), it left the range seen so far
 * (`range`), or hard evidence: a transient (`spike`), a level shift (`level-shift`), a run of identical values
 * (`stuck`), a sudden 0 (`dropout`).
 */
export type OutlierReason = 'score' | 'range' | 'spike' | 'level-shift' | 'stuck' | 'dropout';

export interface DecisionStageState {
  /** Samples still held after the last alarm. */
  hold: number;
  /** Seq of the last sample whose score crossed the threshold outside a hold (null before any). */
  lastScoreAlarm: number | null;
}

/**
 * The one place where the default detector decides (River's habit of wrapping a scorer in a separate decision,
 * river/anomaly/filter.py): scores never depend on it.
 *
 * Rules, for each sample in order:
 * - one alarm per event: for `hold` samples after an alarm nothing is flagged;
 * - hard evidence (a spike, a level shift, a stuck run, a dropout) is flagged;
 * - a score above the threshold is flagged when it is news: no score crossed the threshold (outside a hold) in
 *   the `spacing` samples before. A series whose score crosses the threshold again and again (a flood season, a
 *   conductivity that changes regime every few days) raises one alarm, not one per crossing; the crossings keep
 *   the quiet period going.
 */
export class DecisionStage {
  private hold = 0;
  private lastScoreAlarm: number | null = null;

  constructor(
    private readonly threshold: number,
    private readonly holdLength: number,
    private readonly spacing: number,
  ) {}

  /** The reason `seq` is flagged, or null. `outside` tells a range excursion from any other high score. */
  decide(seq: number, score: number, outside: boolean, evidence: OutlierReason | null): OutlierReason | null {
    if (this.hold > 0) {
      this.hold--;
      return null;
    }
    let reason = evidence;
    if (score > this.threshold) {
      const news = this.lastScoreAlarm === null || seq - this.lastScoreAlarm >= this.spacing;
      this.lastScoreAlarm = seq;
      if (news) reason ??= outside ? 'range' : 'score';
    }
    if (reason !== null) this.hold = this.holdLength;
    return reason;
  }

  toJSON(): DecisionStageState {
    return { hold: this.hold, lastScoreAlarm: this.lastScoreAlarm };
  }

  static fromJSON(state: unknown, threshold: number, holdLength: number, spacing: number): DecisionStage {
    const s = state as DecisionStageState;
    if (!isRecord(s) || !isCount(s.hold) || !(s.lastScoreAlarm === null || isCount(s.lastScoreAlarm))) {
      malformed('decision stage');
    }
    const stage = new DecisionStage(threshold, holdLength, spacing);
    stage.hold = s.hold;
    stage.lastScoreAlarm = s.lastScoreAlarm;
    return stage;
  }
}
