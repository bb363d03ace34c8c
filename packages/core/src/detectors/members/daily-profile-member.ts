import { isCount, isFiniteNumber, isNumberArray, isRecord, malformed } from '../state-checks.js';
import { cappedScore, type ScoreMember } from './score-member.js';

const DAY_MS = 86_400_000;
/** A day must hold at least this many samples (hourly or finer) for a time-of-day profile to mean anything. */
const MIN_SLOTS = 24;
/**
 * At most this many slots (ten minutes each): finer sampling shares slots, which bounds the state (the per-variable
 * memory budget is 8 KiB; 144 and 96 slots scored alike on the half of NAB settings are chosen on).
 */
const MAX_SLOTS = 144;
/** Samples seen before the sampling interval is trusted and the profile is laid out. */
const INTERVAL_SAMPLES = 12;
/** Days of profile learned before the member scores. */
const LEARNING_DAYS = 3;
/** Weight of today's value in its slot's profile: an exponentially weighted mean across days. */
const PROFILE_ALPHA = 0.3;
/** Weight of the newest absolute residual in the residual scale. */
const SCALE_ALPHA = 0.01;
/** The residual scale is floored at this fraction of the range seen. */
const SCALE_FLOOR = 0.01;
/** Weight of the newest scaled residual in the signed smoothed residual: a lasting deviation builds up over ~20. */
const SMOOTH_ALPHA = 0.05;

export interface DailyProfileMemberState {
  count: number;
  firstTime: number | null;
  lastTime: number | null;
  /** Smallest positive gap between consecutive samples, in ms (0 before the second sample). */
  interval: number;
  /** The profile per time-of-day slot (null: slot not seen yet), or null before it is laid out. */
  profile: Array<number | null> | null;
  scale: number;
  scaleCount: number;
  smoothed: number;
  min: number | null;
  max: number | null;
}

/**
 * Daily-profile member: is the series away from what it usually does at this time of day?
 *
 * Definition: once the sampling interval is known and a day holds at least 24 samples, the day is cut into
 * n = min(floor(day / interval), 144) time-of-day slots (UTC). Each slot keeps an exponentially weighted mean across
 * days, P_s <- P_s + 0.3 (x - P_s) (its first value as is). The residual r = x - P_s is scaled by a slow exponentially
 * weighted mean of |r| (weight 0.01, floored at 1 % of the range seen), smoothed with its sign,
 *   S_t = 0.95 S_{t-1} + 0.05 r_t / scale,   raw_t = min(|S_t|, 8) / 8,
 * so one odd sample barely moves it and a deviation lasting an hour or more builds up. The member has no opinion
 * (NaN) until three days have passed since the first sample, so every slot has been seen a few times.
 *
 * Reference: the daily-profile member of the study in docs/background/detection-notes.md; a seasonal-naive forecast
 * (Hyndman & Athanasopoulos, "Forecasting: principles and practice", 3rd ed., section 5.2) smoothed across seasons.
 * Cost: O(1) time per sample; one day of slots (at most 144 single-precision values) of state.
 */
export class DailyProfileMember implements ScoreMember<DailyProfileMemberState> {
  private count = 0;
  private firstTime: number | null = null;
  private lastTime: number | null = null;
  private interval = 0;
  /** Slot means, NaN where a slot has not been seen; single precision bounds the state. */
  private profile: Float32Array | null = null;
  private scale = 0;
  private scaleCount = 0;
  private smoothed = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  /** The slot mean and residual scale the last value was scored against (NaN when it was not scored). */
  expected = Number.NaN;
  spread = Number.NaN;

  update(value: number, time: number): number {
    if (this.lastTime !== null) {
      const gap = time - this.lastTime;
      if (gap > 0) this.interval = this.interval === 0 ? gap : Math.min(this.interval, gap);
    }
    this.firstTime ??= time;
    this.lastTime = time;
    const range = this.max >= this.min ? this.max - this.min : 0;
    this.count++;
    if (this.profile === null && this.count >= INTERVAL_SAMPLES && this.interval > 0) {
      const slots = Math.floor(DAY_MS / this.interval);
      if (slots >= MIN_SLOTS) this.profile = new Float32Array(Math.min(slots, MAX_SLOTS)).fill(Number.NaN);
    }

    let raw = Number.NaN;
    this.expected = Number.NaN;
    this.spread = Number.NaN;
    const profile = this.profile;
    if (profile !== null) {
      const scoring = time - this.firstTime >= LEARNING_DAYS * DAY_MS;
      if (scoring) raw = 0;
      const slot = Math.min(profile.length - 1, Math.floor((timeOfDay(time) / DAY_MS) * profile.length));
      const mean = profile[slot]!;
      if (Number.isNaN(mean)) {
        profile[slot] = value;
      } else {
        const residual = value - mean;
        if (scoring && this.scale > 0) {
          const spread = Math.max(this.scale, SCALE_FLOOR * range);
          this.smoothed = (1 - SMOOTH_ALPHA) * this.smoothed + SMOOTH_ALPHA * (residual / spread);
          raw = cappedScore(this.smoothed);
          this.expected = mean;
          this.spread = spread;
        }
        this.scaleCount++;
        this.scale += Math.max(SCALE_ALPHA, 1 / this.scaleCount) * (Math.abs(residual) - this.scale);
        profile[slot] = mean + PROFILE_ALPHA * residual;
      }
    }
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    return raw;
  }

  toJSON(): DailyProfileMemberState {
    const seen = this.count > 0;
    return {
      count: this.count,
      firstTime: this.firstTime,
      lastTime: this.lastTime,
      interval: this.interval,
      profile: this.profile === null ? null : Array.from(this.profile, (v) => (Number.isNaN(v) ? null : v)),
      scale: this.scale,
      scaleCount: this.scaleCount,
      smoothed: this.smoothed,
      min: seen ? this.min : null,
      max: seen ? this.max : null,
    };
  }

  static fromJSON(state: unknown): DailyProfileMember {
    const s = state as DailyProfileMemberState;
    const seen = isRecord(s) && isCount(s.count) && s.count > 0;
    const times = seen
      ? isFiniteNumber(s.firstTime) &&
        isFiniteNumber(s.lastTime) &&
        isFiniteNumber(s.min) &&
        isFiniteNumber(s.max)
      : isRecord(s) && s.firstTime === null && s.lastTime === null && s.min === null && s.max === null;
    const profile =
      s?.profile === null ||
      (Array.isArray(s?.profile) &&
        s.profile.length >= MIN_SLOTS &&
        s.profile.length <= MAX_SLOTS &&
        isNumberArray(s.profile.filter((v) => v !== null)));
    if (
      !isRecord(s) ||
      !isCount(s.count) ||
      !times ||
      !profile ||
      !isCount(s.scaleCount) ||
      ![s.interval, s.scale, s.smoothed].every(isFiniteNumber)
    ) {
      malformed('daily profile member');
    }
    const member = new DailyProfileMember();
    member.count = s.count;
    member.firstTime = s.firstTime;
    member.lastTime = s.lastTime;
    member.interval = s.interval;
    member.profile = s.profile === null ? null : Float32Array.from(s.profile, (v) => v ?? Number.NaN);
    member.scale = s.scale;
    member.scaleCount = s.scaleCount;
    member.smoothed = s.smoothed;
    member.min = seen ? s.min! : Number.POSITIVE_INFINITY;
    member.max = seen ? s.max! : Number.NEGATIVE_INFINITY;
    return member;
  }
}

/** Milliseconds since the last UTC midnight (also for times before 1970). */
function timeOfDay(time: number): number {
  return ((time % DAY_MS) + DAY_MS) % DAY_MS;
}
