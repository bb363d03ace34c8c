import { describe, expect, it } from 'vitest';
import { TransientCheck } from './transient-check.js';

/** A check whose scale has learned changes of size 1 (k = 6, clip = 4, rate gate 1 %). */
function trained(): TransientCheck {
  const check = new TransientCheck(6, 64, 4, 1000, 0.01);
  for (let i = 0; i < 200; i++) check.observe(i % 2 === 0 ? 1 : -1);
  return check;
}

describe('TransientCheck', () => {
  it('flags a jump that comes back, up or down, beyond k typical changes', () => {
    expect(trained().test(0, 7, 0)).toBe(true);
    expect(trained().test(0, -7, 1)).toBe(true);
    expect(trained().test(0, 5, 0)).toBe(false);
  });

  it('does not flag a step, a rise or a peak that comes back less than half-way', () => {
    expect(trained().test(0, 10, 10)).toBe(false);
    expect(trained().test(0, 10, 20)).toBe(false);
    expect(trained().test(0, 20, 12)).toBe(false);
  });

  it('tells a level step: a jump beyond k typical changes between calm changes', () => {
    expect(trained().step(0, 1, 9, 10, 3)).toBe(true);
    expect(trained().step(1, 0, -8, -7, 3)).toBe(true);
    // Not calm before (a rise already under way), not calm after (still rising, or back: a spike), too small.
    expect(trained().step(-5, 0, 10, 11, 3)).toBe(false);
    expect(trained().step(0, 1, 9, 14, 3)).toBe(false);
    expect(trained().step(0, 1, 9, 1, 3)).toBe(false);
    expect(trained().step(0, 1, 6, 6, 3)).toBe(false);
  });

  it('caps the changes it learns, so a spike barely moves the scale', () => {
    const check = trained();
    check.observe(1000);
    expect(check.toJSON().scale).toBeLessThan(1.1);
  });

  it('stops counting transients once they are common in the series', () => {
    const check = trained();
    const verdicts = Array.from({ length: 10 }, () => check.test(0, 10, 0));
    expect(verdicts[0]).toBe(true);
    expect(verdicts.slice(2).every((v) => !v)).toBe(true);
  });
});
