import { describe, expect, it } from 'vitest';
import { isoTimestamps } from './iso-timestamps.js';

describe('isoTimestamps', () => {
  it('equals Date#toISOString on runs of times, across days, before 1970 and at the edges of the year range', () => {
    const format = isoTimestamps();
    const times = [
      0,
      -1,
      -86_400_000,
      1,
      999,
      86_399_999,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10000, 0, 1),
      Date.UTC(-1, 0, 1),
      8.64e15,
      -8.64e15,
    ];
    // Minute, second and odd steps from a fixed start, so days change mid-run.
    for (const step of [60_000, 1000, 7_777_777]) {
      for (let i = 0; i < 3000; i++) times.push(Date.UTC(2023, 11, 31, 20) + i * step);
    }
    for (const ms of times) expect(format(ms), String(ms)).toBe(new Date(ms).toISOString());
  });
});
