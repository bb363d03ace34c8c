import { describe, expect, it } from 'vitest';
import { expectClose } from '../../test/stats-support.js';
import { InvalidInputError } from '../errors.js';
import { LogTanhScaler, MinMaxScaler, type ScalerState, scalerFromJSON } from './scalers.js';

const sample = [0, 1, 12, 350, 4.2e4, 9.9e6, 3.6e10, 1.2e13];

describe('MinMaxScaler', () => {
  it('repeats its documented example and maps the fitted range onto [low, high]', () => {
    expect(Array.from(MinMaxScaler.fit([2, 4, 6]).transform([4, 8]))).toEqual([0.5, 1.5]);
    const scaler = MinMaxScaler.fit([-3, 5, 1], [-1, 1]);
    expect(Array.from(scaler.transform([-3, 1, 5]))).toEqual([-1, 0, 1]);
  });

  it('inverts its transform', () => {
    const scaler = MinMaxScaler.fit(sample);
    const back = scaler.inverse(scaler.transform(sample));
    sample.forEach((v, i) => {
      expectClose(back[i]!, v, 1e-12, 1e-3);
    });
  });

  it('uses a unit scale for a constant training sample instead of dividing by zero', () => {
    const scaler = MinMaxScaler.fit([7, 7, 7], [0, 1]);
    expect(Array.from(scaler.transform([7, 8]))).toEqual([0, 1]);
    expect(Array.from(scaler.inverse([0, 1]))).toEqual([7, 8]);
  });

  it('round-trips through JSON, alone and through scalerFromJSON', () => {
    const scaler = MinMaxScaler.fit(sample, [0, 2]);
    const state = JSON.parse(JSON.stringify(scaler.toJSON())) as ScalerState;
    expect(state).toEqual({ kind: 'min-max', formatVersion: 1, min: 0, max: 1.2e13, range: [0, 2] });
    expect(scalerFromJSON(state).transform(sample)).toEqual(scaler.transform(sample));
  });

  it('rejects bad input naming the argument', () => {
    expect(() => MinMaxScaler.fit([])).toThrow(/^values:/);
    expect(() => MinMaxScaler.fit([1, Number.NaN])).toThrow(InvalidInputError);
    expect(() => MinMaxScaler.fit([1, 2], [1, 1])).toThrow(/^range:/);
    expect(() => MinMaxScaler.fit([1, 2]).transform([Number.POSITIVE_INFINITY])).toThrow(/^values:/);
    const state = MinMaxScaler.fit([1, 2]).toJSON();
    expect(() => MinMaxScaler.fromJSON({ ...state, min: 3 })).toThrow(/^max:/);
    expect(() => MinMaxScaler.fromJSON({ ...state, formatVersion: 9 as 1 })).toThrow(/^formatVersion:/);
  });
});

describe('LogTanhScaler', () => {
  it("computes the reference service's tanh(log1p(x)/32)", () => {
    const scaled = new LogTanhScaler().transform(sample);
    sample.forEach((v, i) => {
      expect(scaled[i]).toBe(Math.tanh(Math.log1p(v) / 32));
    });
    expect(Array.from(new LogTanhScaler().transform([0, Math.expm1(32)]))).toEqual([0, 0.7615941559557649]);
  });

  it('inverts its transform while tanh is not saturated, and stays monotone', () => {
    // With divisor 1, tanh(log1p(1.2e13)) rounds to 1: the divisor must suit the range of the data.
    for (const divisor of [8, 32, 100]) {
      const scaler = new LogTanhScaler({ divisor });
      const scaled = scaler.transform(sample);
      const back = scaler.inverse(scaled);
      sample.forEach((v, i) => {
        expectClose(back[i]!, v, 1e-9, 1e-12, `divisor ${divisor}`);
      });
      for (let i = 1; i < scaled.length; i++) expect(scaled[i]!).toBeGreaterThan(scaled[i - 1]!);
    }
  });

  it('de-scales saturated reconstructions to large finite values, never ∞ or NaN', () => {
    for (const divisor of [32, 1000]) {
      const back = new LogTanhScaler({ divisor }).inverse([1, 1.5, -1, -7]);
      for (const v of back) expect(Number.isFinite(v)).toBe(true);
      expect(back[0]!).toBeGreaterThan(1e200);
      expect(back[2]!).toBeGreaterThanOrEqual(-1);
    }
  });

  it('round-trips through JSON', () => {
    const state = JSON.parse(JSON.stringify(new LogTanhScaler({ divisor: 16 }).toJSON())) as ScalerState;
    expect(state).toEqual({ kind: 'log-tanh', formatVersion: 1, divisor: 16 });
    expect(scalerFromJSON(state).transform(sample)).toEqual(
      new LogTanhScaler({ divisor: 16 }).transform(sample),
    );
  });

  it('rejects bad input naming the argument', () => {
    expect(() => new LogTanhScaler({ divisor: 0 })).toThrow(/^divisor:/);
    expect(() => new LogTanhScaler({ divisor: Number.NaN })).toThrow(/^divisor:/);
    expect(() => new LogTanhScaler().transform([3, -1])).toThrow(/^values: value at index 1 must be > -1/);
    expect(() => new LogTanhScaler().inverse([Number.NaN])).toThrow(/^values:/);
    expect(() => scalerFromJSON({ kind: 'z-score' } as never)).toThrow(/^kind:/);
    expect(() => scalerFromJSON(null as never)).toThrow(/^kind:/);
  });
});
