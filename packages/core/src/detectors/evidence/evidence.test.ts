import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import { Random } from '../../random.js';
import { DecisionStage } from '../decision-stage.js';
import { DropoutCheck } from './dropout-check.js';
import { STEP_SPAN, StepCheck } from './step-check.js';
import { StuckCheck } from './stuck-check.js';

/** Gaussian noise around `level`, rounded to three decimals like a sensor's readings. */
function noisy(n: number, seed: number, level = 10, sd = 0.1): number[] {
  const random = new Random(seed);
  return Array.from({ length: n }, () => Math.round((level + random.normal(0, sd)) * 1000) / 1000);
}

describe('StuckCheck', () => {
  it('flags a frozen value once, where its run becomes improbable under the repeat rate', () => {
    const values = noisy(1000, 1);
    for (let i = 600; i < 700; i++) values[i] = values[599]!;
    const check = new StuckCheck();
    const flagged = values.flatMap((v, i) => (check.observe(v, values[i - 1]) ? [i] : []));
    // Readings to 1e-3 with sd 0.1 rarely repeat: a handful of repeats is already below 1e-8.
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toBeGreaterThanOrEqual(602);
    expect(flagged[0]).toBeLessThanOrEqual(606);
  });

  it('marks the improbable part of the run as stuck, and nothing else', () => {
    const values = noisy(800, 2);
    for (let i = 600; i < 650; i++) values[i] = values[599]!;
    const check = new StuckCheck();
    const news: number[] = [];
    const stuck = values.map((v, i) => {
      if (check.observe(v, values[i - 1])) news.push(i);
      return check.stuck;
    });
    expect(stuck.indexOf(true)).toBe(news[0]);
    expect(stuck.lastIndexOf(true)).toBe(649);
  });

  it('makes no run news in a series that mostly repeats', () => {
    const values = Array.from({ length: 2000 }, (_, i) => (i % 50 === 0 ? 1 : 0));
    const check = new StuckCheck();
    expect(values.some((v, i) => check.observe(v, values[i - 1]))).toBe(false);
  });

  it('round-trips and refuses a state it did not write', () => {
    const check = new StuckCheck();
    check.observe(1, undefined);
    expect(StuckCheck.fromJSON(JSON.parse(JSON.stringify(check.toJSON()))).toJSON()).toEqual(check.toJSON());
    expect(() => StuckCheck.fromJSON({ run: -1 })).toThrow(InvalidInputError);
  });
});

describe('DropoutCheck', () => {
  it('flags a sudden exact 0, not a reading that passes through 0, nor zeros that are routine', () => {
    const check = new DropoutCheck();
    for (let i = 0; i < 500; i++) check.observe(10 + (i % 3), 10, 0.5);
    expect(check.observe(0, 10.4, 0.5)).toBe(true);
    expect(check.observe(0, 0.4, 0.5)).toBe(false); // 0.4 is less than 6 typical changes from 0
    const routine = new DropoutCheck();
    for (let i = 0; i < 500; i++) routine.observe(i % 10 === 0 ? 0 : 10, 10, 0.5);
    expect(routine.observe(0, 10, 0.5)).toBe(false);
  });
});

describe('StepCheck', () => {
  /** Runs a series through a StepCheck as the detector does: with x_{t+1} known, test t on the last 13 values. */
  function steps(
    values: readonly number[],
    expected: (t: number) => number,
    scale: number,
    memory = 2000,
  ): number[] {
    const check = new StepCheck(memory);
    const flagged: number[] = [];
    for (let i = 1; i < values.length; i++) {
      const recent = values.slice(Math.max(0, i + 1 - STEP_SPAN), i + 1);
      if (check.test(i - 1, recent, expected(i - 3), scale)) flagged.push(i - 1);
    }
    return flagged;
  }

  it('flags the second sample of an abrupt, lasting step', () => {
    const values = noisy(600, 3);
    for (let i = 400; i < 600; i++) values[i] = values[i]! + 1;
    expect(steps(values, () => 10, 0.11)).toEqual([401]);
  });

  it('does not flag a spike, a ramp, a two-sample rise or noise', () => {
    const values = noisy(900, 4);
    values[300] = values[300]! + 3;
    for (let i = 500; i < 520; i++) values[i] = values[i]! + (i - 500) * 0.1;
    for (let i = 520; i < 900; i++) values[i] = values[i]! + 2;
    for (let i = 700; i < 900; i++) values[i] = values[i]! + (i === 700 ? 1 : 2);
    expect(steps(values, (t) => (t < 500 ? 10 : 12), 0.11)).toEqual([]);
  });

  it('does not flag a return towards the expected level, nor the end of a stuck run', () => {
    const drift = noisy(600, 5);
    for (let i = 300; i < 400; i++) drift[i] = drift[i]! + (i - 300) * 0.02;
    expect(steps(drift, () => 10, 0.11).filter((t) => t >= 399 && t <= 402)).toEqual([]);
    const frozen = noisy(600, 6);
    for (let i = 300; i < 400; i++) frozen[i] = 11;
    expect(steps(frozen, () => 10.5, 0.11).filter((t) => t >= 399 && t <= 402)).toEqual([]);
  });

  it('stops calling steps of a size news once five of them came within its memory', () => {
    const random = new Random(7);
    const square = Array.from(
      { length: 2400 },
      (_, i) => (Math.floor(i / 200) % 2) * 5 + random.normal(0, 0.1),
    );
    const expected = (t: number) => (Math.floor(t / 200) % 2) * 5; // the level before each step
    const flagged = steps(square, expected, 0.11, 2000);
    expect(flagged).toEqual([201, 401, 601, 801, 1001]);
  });
});

describe('DecisionStage', () => {
  it('flags evidence, holds after any alarm, and spaces score alarms', () => {
    const stage = new DecisionStage(0.5, 3, 100);
    expect(stage.decide(0, 0.9, false, null)).toBe('score');
    expect(stage.decide(1, 0.1, false, 'spike')).toBeNull(); // held
    for (let t = 2; t <= 3; t++) expect(stage.decide(t, 0.1, false, null)).toBeNull();
    expect(stage.decide(4, 0.1, false, 'spike')).toBe('spike');
    for (let t = 5; t <= 7; t++) stage.decide(t, 0.1, false, null);
    // A score crossing within 100 samples of the last crossing is not news, and renews the quiet period.
    expect(stage.decide(50, 0.9, false, null)).toBeNull();
    expect(stage.decide(120, 0.9, true, null)).toBeNull();
    expect(stage.decide(220, 0.9, true, null)).toBe('range');
  });

  it('round-trips and refuses a state it did not write', () => {
    const stage = new DecisionStage(0.5, 3, 100);
    stage.decide(0, 0.9, false, null);
    const restored = DecisionStage.fromJSON(JSON.parse(JSON.stringify(stage.toJSON())), 0.5, 3, 100);
    expect(restored.toJSON()).toEqual({ hold: 3, lastScoreAlarm: 0 });
    expect(() => DecisionStage.fromJSON({ hold: 'x' }, 0.5, 3, 100)).toThrow(InvalidInputError);
  });
});
