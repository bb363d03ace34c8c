import { describe, expect, it } from 'vitest';
import { expectClose, readFixture } from '../../test/stats-support.js';
import { InvalidInputError } from '../errors.js';
import { KalmanFilter, type KalmanOptions, kalmanFilter } from './kalman-filter.js';

/** numpy textbook recursion (predict, then update, every step) from generate_stats_fixtures.py. */
const fixture = readFixture<{
  z: number[];
  cases: {
    options: Required<KalmanOptions>;
    estimate: number[];
    innovation: number[];
    innovationVariance: number[];
  }[];
}>('stats-kalman.json');

describe('kalmanFilter against the numpy reference recursion', () => {
  it.each(fixture.cases.map((c) => [JSON.stringify(c.options), c] as const))('%s', (_, c) => {
    const filtered = kalmanFilter(fixture.z, c.options);
    const streaming = new KalmanFilter(c.options);
    fixture.z.forEach((z, i) => {
      expectClose(filtered[i]!, c.estimate[i]!, 1e-12, 1e-12, `estimate ${i}`);
      const step = streaming.update(z);
      expect(step.estimate).toBe(filtered[i]);
      expectClose(step.innovation, c.innovation[i]!, 1e-12, 1e-12, `innovation ${i}`);
      expectClose(step.innovationVariance, c.innovationVariance[i]!, 1e-12, 0, `innovationVariance ${i}`);
    });
  });
});

describe('KalmanFilter', () => {
  it('repeats the documented example with the reference defaults', () => {
    expect(Array.from(kalmanFilter([1, 1, 1]))).toEqual([
      0.5002498750624688, 0.6671106301229593, 0.7506238145901468,
    ]);
  });

  it('continues identically after a JSON round trip', () => {
    const z = fixture.z.slice(0, 200);
    const whole = new KalmanFilter({ q: 0.01, r: 0.3, x0: 1, p0: 2 });
    const first = new KalmanFilter({ q: 0.01, r: 0.3, x0: 1, p0: 2 });
    for (const v of z.slice(0, 100)) {
      whole.update(v);
      first.update(v);
    }
    const restored = KalmanFilter.fromJSON(JSON.parse(JSON.stringify(first.toJSON())));
    for (const v of z.slice(100)) expect(restored.update(v)).toEqual(whole.update(v));
    expect(restored.toJSON()).toEqual(whole.toJSON());
  });

  it('converges to the steady-state gain of the local-level model', () => {
    // Steady state: P⁻ = P + q with P = K r and K = P⁻/(P⁻ + r) ⇒ P⁻² − q P⁻ − q r = 0.
    const q = 0.05;
    const r = 2;
    const filter = new KalmanFilter({ q, r });
    for (let i = 0; i < 500; i++) filter.update(3);
    const predicted = (q + Math.sqrt(q * q + 4 * q * r)) / 2;
    expectClose(filter.variance + q, predicted, 1e-12);
    expectClose(filter.estimate, 3, 1e-12);
  });

  it('matches pykalman when p0 is its prior variance minus q', () => {
    // pykalman skips the first prediction: its first gain is P0 / (P0 + r).
    const filter = new KalmanFilter({ q: 0.001, r: 1, x0: 0, p0: 1 - 0.001 });
    expect(filter.update(2).estimate).toBeCloseTo((1 / (1 + 1)) * 2, 15);
  });

  it('does not mutate its input and is a no-op smoother with q = 0, p0 = 0', () => {
    const x = [3, 1, 4, 1, 5];
    expect(Array.from(kalmanFilter(x, { q: 0, p0: 0, x0: 2 }))).toEqual([2, 2, 2, 2, 2]);
    expect(x).toEqual([3, 1, 4, 1, 5]);
  });

  it('rejects bad input naming the argument, leaving the state unchanged', () => {
    expect(() => kalmanFilter([])).toThrow(/^x: needs at least 1/);
    expect(() => kalmanFilter([1, Number.NaN])).toThrow(/^x: value at index 1/);
    expect(() => new KalmanFilter({ q: -1 })).toThrow(/^q:/);
    expect(() => new KalmanFilter({ r: 0 })).toThrow(/^r:/);
    expect(() => new KalmanFilter({ p0: Number.NaN })).toThrow(/^p0:/);
    expect(() => new KalmanFilter({ x0: Number.POSITIVE_INFINITY })).toThrow(/^x0:/);
    const filter = new KalmanFilter();
    expect(() => filter.update(Number.NaN)).toThrow(InvalidInputError);
    expect(filter.toJSON()).toEqual({ formatVersion: 1, q: 0.001, r: 1, x: 0, p: 1 });
    expect(() => KalmanFilter.fromJSON({ ...filter.toJSON(), formatVersion: 2 as 1 })).toThrow(
      /^formatVersion:/,
    );
    expect(() => KalmanFilter.fromJSON({ ...filter.toJSON(), p: -1 })).toThrow(/^p0:/);
  });
});
