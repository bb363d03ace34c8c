import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { averageOverlapping, planWindows, sliceWindows } from './windows.js';

describe('planWindows', () => {
  it('anchors a last window at the end so no tail is dropped', () => {
    expect(planWindows(40, 32, 16)).toEqual({ total: 40, length: 32, starts: [0, 8] });
    expect(planWindows(64, 32, 16).starts).toEqual([0, 16, 32]);
    expect(planWindows(70, 32, 16).starts).toEqual([0, 16, 32, 38]);
    expect(planWindows(32, 32, 16).starts).toEqual([0]);
  });

  it('gives a shorter series one window over all of it', () => {
    expect(planWindows(5, 32, 16)).toEqual({ total: 5, length: 5, starts: [0] });
    expect(planWindows(1, 3, 1)).toEqual({ total: 1, length: 1, starts: [0] });
  });

  it('covers every point for all small plans', () => {
    for (let total = 1; total <= 40; total++) {
      for (let length = 1; length <= 12; length++) {
        for (let stride = 1; stride <= length; stride++) {
          const plan = planWindows(total, length, stride);
          const covered = new Uint8Array(total);
          for (const start of plan.starts) {
            expect(start + plan.length).toBeLessThanOrEqual(total);
            covered.fill(1, start, start + plan.length);
          }
          expect(covered.every((c) => c === 1)).toBe(true);
          expect(plan.starts.at(-1)).toBe(total - plan.length);
        }
      }
    }
  });

  it('rejects bad sizes naming the argument', () => {
    expect(() => planWindows(0, 32, 16)).toThrow(/^total:/);
    expect(() => planWindows(10, 0, 1)).toThrow(/^length:/);
    expect(() => planWindows(10, 4, 1.5)).toThrow(/^stride:/);
    expect(() => planWindows(10, 4, 5)).toThrow(/^stride: must be <= length/);
  });
});

describe('sliceWindows and averageOverlapping', () => {
  it('repeat their documented examples', () => {
    const plan = planWindows(5, 3, 2);
    expect(sliceWindows([1, 2, 3, 4, 5], plan).map((w) => Array.from(w))).toEqual([
      [1, 2, 3],
      [3, 4, 5],
    ]);
    expect(
      Array.from(
        averageOverlapping(
          [
            [1, 1, 1],
            [3, 3, 3],
          ],
          plan,
        ),
      ),
    ).toEqual([1, 1, 2, 3, 3]);
  });

  it('reassemble the series exactly when each window passes its input through (multivariate)', () => {
    const width = 3;
    const total = 53;
    const values = Float64Array.from({ length: total * width }, (_, i) => Math.sin(i) * 100);
    const plan = planWindows(total, 32, 16);
    const windows = sliceWindows(values, plan, width);
    expect(windows.every((w) => w.length === 32 * width)).toBe(true);
    const back = averageOverlapping(windows, plan, width);
    back.forEach((v, i) => {
      expect(v).toBeCloseTo(values[i]!, 12);
    });
  });

  it('do not alias or mutate the input', () => {
    const values = [1, 2, 3, 4];
    const [first] = sliceWindows(values, planWindows(4, 2, 2));
    first![0] = 99;
    expect(values).toEqual([1, 2, 3, 4]);
  });

  it('reject mismatched sizes naming the argument', () => {
    const plan = planWindows(5, 3, 2);
    expect(() => sliceWindows([1, 2, 3], plan)).toThrow(/^values: expected 5 × 1/);
    expect(() => sliceWindows([1, 2, 3, 4, Number.NaN], plan)).toThrow(InvalidInputError);
    expect(() => averageOverlapping([[1, 1, 1]], plan)).toThrow(/^outputs: expected 2 windows/);
    expect(() =>
      averageOverlapping(
        [
          [1, 1, 1],
          [1, 1],
        ],
        plan,
      ),
    ).toThrow(/^outputs\[1\]:/);
    expect(() =>
      averageOverlapping(
        [
          [1, 1, 1],
          [1, Number.NaN, 1],
        ],
        plan,
      ),
    ).toThrow(/^outputs\[1\]:/);
    expect(() =>
      averageOverlapping(
        [
          [1, 1, 1],
          [1, 1, 1],
        ],
        plan,
        0,
      ),
    ).toThrow(/^width:/);
  });
});
