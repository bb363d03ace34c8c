import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import { RoutineGate } from './routine-gate.js';
import { RED_TAIL, WindowedLikelihood, YELLOW_TAIL } from './windowed-likelihood.js';

/**
 * Tails of 10,000 raw scores with bursts (past the 8700-sample window), from an independent transcription of
 * Numenta's likelihood with a plain window and scipy.stats.norm.sf (scripts/generate_detector_fixtures.py).
 */
const fixture = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/detector-likelihood.json', import.meta.url), 'utf8'),
) as { raws: number[]; tails: number[]; gatedTails: number[] };

function tails(likelihood: WindowedLikelihood, raws: readonly number[]): number[] {
  return raws.map((r) => likelihood.update(r));
}

/** Agreement in log tail: single-precision block sums move z by about 1e-7 relative. */
function expectSameTails(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((t, i) => {
    expect(
      Math.abs(Math.log10(t) - Math.log10(expected[i]!)),
      `sample ${i}: ${t} vs ${expected[i]}`,
    ).toBeLessThan(1e-4);
  });
}

describe('WindowedLikelihood', () => {
  it('gives the reference tails, with and without the novelty gate', () => {
    expectSameTails(tails(new WindowedLikelihood(), fixture.raws), fixture.tails);
    expectSameTails(tails(new WindowedLikelihood(true), fixture.raws), fixture.gatedTails);
    // The fixture exercises the filters: reds, demoted reds, and reds the gate turned routine.
    expect(fixture.tails.filter((t) => t <= RED_TAIL).length).toBeGreaterThan(5);
    expect(fixture.tails.filter((t) => t === YELLOW_TAIL).length).toBeGreaterThan(5);
    expect(fixture.gatedTails.filter((t) => t <= RED_TAIL).length).toBeLessThan(
      fixture.tails.filter((t) => t <= RED_TAIL).length,
    );
  });

  it('reports 0.5 until its first fit at sample 300, then calibrated tails', () => {
    const likelihood = new WindowedLikelihood();
    const early = tails(likelihood, fixture.raws.slice(0, 299));
    expect(early.every((t) => t === 0.5)).toBe(true);
    expect(likelihood.fitted).toBe(false);
    likelihood.update(0.1);
    expect(likelihood.fitted).toBe(true);
    expect(likelihood.update(0.1)).not.toBe(0.5);
  });

  it('keeps only the first of consecutive reds red', () => {
    const likelihood = new WindowedLikelihood();
    tails(
      likelihood,
      Array.from({ length: 1000 }, (_, i) => (i % 10) / 100),
    );
    const burst = tails(likelihood, [1, 1, 1, 1, 1]);
    const reds = burst.map(() => likelihood.red);
    expect(burst.filter((t) => t <= RED_TAIL)).toHaveLength(1);
    expect(burst.slice(burst.findIndex((t) => t <= RED_TAIL) + 1).every((t) => t === YELLOW_TAIL)).toBe(true);
    expect(reds.at(-1)).toBe(false);
  });

  it('is two-sided: a member that falls silent is news as well', () => {
    const likelihood = new WindowedLikelihood();
    tails(
      likelihood,
      Array.from({ length: 2000 }, (_, i) => 0.5 + 0.05 * Math.sin(i)),
    );
    const quiet = tails(likelihood, new Array(10).fill(0));
    expect(Math.min(...quiet)).toBeLessThanOrEqual(RED_TAIL);
  });

  it('continues bit for bit after a JSON round trip, across block boundaries and the window slide', () => {
    const expected = tails(new WindowedLikelihood(true), fixture.raws);
    for (const cut of [0, 7, 100, 150, 299, 300, 4321, 8700, 9999]) {
      const original = new WindowedLikelihood(true);
      tails(original, fixture.raws.slice(0, cut));
      const restored = WindowedLikelihood.fromJSON(JSON.parse(JSON.stringify(original.toJSON())), true);
      const rest = tails(restored, fixture.raws.slice(cut));
      rest.forEach((t, i) => {
        expect(Object.is(t, expected[cut + i])).toBe(true);
      });
    }
  });

  it('refuses a state it did not write, or one of the other gate setting', () => {
    const state = new WindowedLikelihood().toJSON();
    expect(() => WindowedLikelihood.fromJSON({ ...state, recent: ['x'] })).toThrow(InvalidInputError);
    expect(() => WindowedLikelihood.fromJSON(state, true)).toThrow(/anomaly likelihood/);
    expect(() => WindowedLikelihood.fromJSON({ ...state, blockSums: [1], blockSquares: [1] })).toThrow(
      InvalidInputError,
    );
  });
});

describe('RoutineGate', () => {
  it('calls a level routine once more than the limit of recent samples reached it', () => {
    const gate = new RoutineGate(1000, 30);
    for (let i = 0; i < 30; i++) gate.remember(0.8);
    expect(gate.routine(0.8)).toBe(false);
    gate.remember(0.9);
    expect(gate.routine(0.8)).toBe(true);
    expect(gate.routine(0.95)).toBe(false);
  });

  it('forgets with its memory', () => {
    const gate = new RoutineGate(100, 30);
    for (let i = 0; i < 40; i++) gate.remember(0.8);
    expect(gate.routine(0.8)).toBe(true);
    for (let i = 0; i < 300; i++) gate.remember(0.1);
    expect(gate.routine(0.8)).toBe(false);
  });

  it('renormalises its weights without changing its answers', () => {
    // (1 - 1/50)^-k passes 1e30 after about 3,400 samples; 40 % of a 50-sample memory is 20 samples.
    const gate = new RoutineGate(50, 10);
    for (let i = 0; i < 10_000; i++) gate.remember(i % 10 < 4 ? 0.8 : 0.1);
    expect(gate.toJSON().weight).toBeLessThan(1e30);
    expect(gate.routine(0.8)).toBe(true);
    const restored = RoutineGate.fromJSON(JSON.parse(JSON.stringify(gate.toJSON())), 50, 10);
    expect(restored.routine(0.8)).toBe(true);
    expect(restored.routine(0.99)).toBe(false);
  });
});
