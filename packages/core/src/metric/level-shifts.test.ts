import { describe, expect, it } from 'vitest';
import { Random } from '../random.js';
import { levelShifts } from './level-shifts.js';

/** One day of one-minute log traffic: a daily cycle of amplitude 1 and AR(1) noise of about this spread. */
function logDay(seed: number, spread = 0.05): Float64Array {
  const random = new Random(seed);
  let noise = 0;
  return Float64Array.from({ length: 1440 }, (_, t) => {
    noise = 0.5 * noise + spread * random.normal();
    return 10 + Math.cos((2 * Math.PI * (t - 840)) / 1440) + noise;
  });
}

const all = (n: number) => new Uint8Array(n).fill(1);
const add = (values: Float64Array, from: number, to: number, size: number) => {
  for (let t = from; t <= to; t++) values[t]! += size;
  return values;
};

describe('levelShifts', () => {
  it('finds a shift that steps away and back where it starts and ends, and its size', () => {
    for (const [seed, size] of [
      [1, Math.log(0.5)],
      [2, Math.log(1.5)],
      [3, Math.log(0.5)],
    ] as const) {
      const shifts = levelShifts(add(logDay(seed), 500, 699, size), all(1440), 30);
      expect(shifts).toHaveLength(1);
      expect(Math.abs(shifts[0]!.start - 500)).toBeLessThanOrEqual(1);
      expect(Math.abs(shifts[0]!.end - 699)).toBeLessThanOrEqual(1);
      expect(shifts[0]!.size).toBeCloseTo(size, 0);
    }
  });

  it('finds nothing in the daily cycle alone, even in heavy noise, or in a change lasting a third of the day', () => {
    for (const seed of [1, 2, 3, 4]) {
      expect(levelShifts(logDay(seed, 0.2), all(1440), 30)).toEqual([]);
      expect(levelShifts(add(logDay(seed), 400, 879, -0.7), all(1440), 30)).toEqual([]);
    }
  });

  it('does not pair two unrelated steps of very different sizes', () => {
    const values = add(add(logDay(5), 300, 1439, 2), 500, 1439, -0.3);
    expect(levelShifts(values, all(1440), 30)).toEqual([]);
  });

  it('leaves rows that are not usable out of the fit: an outage inside the window is not a step', () => {
    const values = add(logDay(6), 700, 739, -10);
    const usable = all(1440);
    usable.fill(0, 700, 740);
    expect(levelShifts(values, usable, 30)).toEqual([]);
  });
});
