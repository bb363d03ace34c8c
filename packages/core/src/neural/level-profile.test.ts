import { describe, expect, it } from 'vitest';
import { fitLevelProfile, levelScores, profileAt } from './level-profile.js';

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
/** 2024-05-20, a Monday. */
const MONDAY = Date.UTC(2024, 4, 20);
/** A smooth daily cycle in scaled units. */
const cycle = (time: number) => 0.5 + 0.3 * Math.sin((2 * Math.PI * time) / DAY);
const times = (start: number, count: number, step = MINUTE) =>
  Array.from({ length: count }, (_, i) => start + i * step);
/** Deterministic noise in [-0.01, 0.01). */
const noise = (i: number) => (((i * 7919) % 200) - 100) / 10_000;

describe('fitLevelProfile', () => {
  it('learns the daily cycle despite a lower day, and an outage and a shift meeting in one slot', () => {
    const history = times(MONDAY, 3 * 1440);
    const scaled = Float32Array.from(history, (time, i) => {
      const day = Math.floor(i / 1440);
      const minute = i % 1440;
      if (day === 0 && minute >= 600 && minute < 650) return -4; // an outage on Monday
      if (day === 1 && minute >= 630 && minute < 800) return cycle(time) - 0.2; // a shift on Tuesday
      return cycle(time) + noise(i) - (day === 2 ? 0.1 : 0); // Wednesday lower all day
    });
    const profile = fitLevelProfile(history, scaled, 1)!;
    expect(profile.weekends).toBe(false);
    const next = times(MONDAY + 3 * DAY, 1440);
    const expected = profileAt(profile, next);
    // The profile's level is arbitrary (what counts is the shape): compare deviations from its mean. Off by at most
    // the cycle's change over one slot (where the outvoted slot took its neighbour's value), not by 0.1 or 0.2.
    const offset = next.reduce((sum, time, r) => sum + expected[r]! - cycle(time), 0) / next.length;
    next.forEach((time, r) => {
      expect(Math.abs(expected[r]! - cycle(time) - offset)).toBeLessThan(0.05);
    });
  });

  it('needs a day of rows, and keeps weekends apart given three days of each', () => {
    expect(fitLevelProfile(times(MONDAY, 1440), new Float32Array(1440), 1)).toBeNull();
    const hours = times(MONDAY, 14 * 24, 60 * MINUTE);
    const profile = fitLevelProfile(hours, new Float32Array(hours.length), 1)!;
    expect(profile.weekends).toBe(true);
    expect(profile.medians[0]).toHaveLength(48);
  });
});

describe('levelScores', () => {
  const history = times(MONDAY, 3 * 1440);
  const profile = fitLevelProfile(
    history,
    Float32Array.from(history, (time, i) => cycle(time) + noise(i)),
    1,
  )!;
  const request = times(MONDAY + 3 * DAY, 1440);
  const expected = profileAt(profile, request);
  const clean = Float32Array.from(request, (time, i) => cycle(time) + noise(i + 17));

  // Scale of the reconstruction error: 0.005, about the noise.
  const scales = [0.005];

  it('scores the rows of a long shift over 1 and no others, and nothing at sensitivity 0', () => {
    // 0.05 is ten noise scales: every shifted row is far off the profile, but the reconstruction follows them.
    const shifted = clean.map((v, r) => (r >= 500 && r < 620 ? v + 0.05 : v));
    const score = levelScores(shifted, expected, Float64Array.from(shifted), scales, 0.95, 5)[0]!;
    const flagged = [...score.keys()].filter((r) => score[r]! > 1);
    expect(flagged[0]).toBeGreaterThanOrEqual(495);
    expect(flagged.at(-1)).toBeLessThan(625);
    expect(flagged.length).toBeGreaterThan(110);
    const none = levelScores(shifted, expected, Float64Array.from(shifted), scales, 0, 5)[0]!;
    expect(Math.max(...none)).toBe(0);
  });

  it('flags nothing in a quiet request, nor around an outage the reconstruction misses', () => {
    const quiet = levelScores(clean, expected, Float64Array.from(clean), scales, 0.95, 5)[0]!;
    expect(Math.max(...quiet)).toBeLessThanOrEqual(1);
    const outage = clean.map((v, r) => (r >= 700 && r < 760 ? -4 : v));
    const around = levelScores(outage, expected, Float64Array.from(clean), scales, 0.95, 5)[0]!;
    expect(Math.max(...around)).toBeLessThanOrEqual(1);
  });

  it('flags nothing in a noiseless metric, whose deviation from the profile is only its reading error', () => {
    // A client count 30 (1.5 + sin) + 3 in log space: sharp at night, where reading between slots errs the most.
    const clients = (time: number) => Math.log1p(48 + 30 * Math.sin((2 * Math.PI * time) / DAY)) / 5;
    const exact = fitLevelProfile(history, Float32Array.from(history, clients), 1)!;
    const smooth = Float32Array.from(request, clients);
    const score = levelScores(
      smooth,
      profileAt(exact, request),
      Float64Array.from(smooth),
      scales,
      0.95,
      5,
    )[0]!;
    expect(Math.max(...score)).toBeLessThanOrEqual(1);
  });
});
