import { describe, expect, it } from 'vitest';
import { type AnomalyKind, cleanStream, streamWith } from '../../test/synthetic-streams.js';
import { InvalidInputError } from '../errors.js';
import { Random } from '../random.js';
import { createStreamDetector, restoreStreamDetector } from './registry.js';
import type { ScoredSample } from './stream-detector.js';

const W = 64;
const N = 1500;
const AT = 1000;
/** synthetic-streams' daily period is 96 samples: 15-minute samples. */
const STEP_MS = 900_000;

function verdicts(values: readonly number[], window = W, seed = 1): ScoredSample[] {
  const detector = createStreamDetector({ window, seed });
  const out: ScoredSample[] = [];
  values.forEach((v, i) => {
    out.push(...detector.push(v, i * STEP_MS));
  });
  out.push(...detector.flush!());
  return out;
}

function flagged(values: readonly number[]): ScoredSample[] {
  return verdicts(values).filter((s) => s.outlier);
}

describe('default (ensemble) station detector on synthetic streams', () => {
  // A spike of +8 or a shift of +6 also leaves the range seen so far: the range check may name it first.
  it.each<[AnomalyKind, number, string[]]>([
    ['spike', 0, ['range', 'spike']],
    ['level-shift', 1, ['range', 'level-shift']],
    ['stuck', 6, ['stuck']],
    ['dropout', 0, ['dropout']],
  ])('flags a %s within %i samples of its start, for what it is', (kind, delay, reasons) => {
    for (const seed of [1, 2, 3]) {
      const { values, at } = streamWith(kind, N, AT, seed);
      const hit = flagged(values).find((s) => s.seq >= at && s.seq <= at + delay);
      expect(hit, `seed ${seed}`).toBeDefined();
      expect(reasons).toContain(hit!.reason);
    }
  });

  it('raises one alarm per event, not one per anomalous sample', () => {
    const { values, at } = streamWith('level-shift', N, AT, 4);
    expect(flagged(values).filter((s) => s.seq >= at && s.seq < at + W)).toHaveLength(1);
  });

  it('catches a spike smaller than an earlier one, and one within the range of a past flood', () => {
    const values = cleanStream(N, 10);
    values[400] = values[400]! + 30;
    for (let i = 500; i < 700; i++) values[i] = values[i]! + 15 * Math.exp(-Math.abs(i - 520) / 40);
    for (const at of [900, 1200]) values[at] = values[at]! + 10;
    values[1300] = values[1300]! - 10;
    const seqs = flagged(values).map((s) => s.seq);
    expect(seqs).toEqual(expect.arrayContaining([400, 900, 1200, 1300]));
  });

  it('flags a level shift at its second sample even inside the range of a past flood', () => {
    for (const seed of [12, 13, 14]) {
      const values = cleanStream(N, seed);
      for (let i = 300; i < 500; i++) values[i] = values[i]! + 15 * Math.exp(-Math.abs(i - 320) / 40);
      for (let i = 1100; i < N; i++) values[i] = values[i]! + 4;
      expect(flagged(values).map((s) => s.seq)).toContain(1101);
    }
  });

  it('does not flag the recalibration that ends a day-long drift, nor the routine steps of a square wave', () => {
    // (The daily profile absorbs 30 % of a deviation a day, so the return that ends a drift of several days
    // can look like a shift away from what is expected.)
    for (const seed of [15, 16, 17]) {
      const drifting = cleanStream(N, seed);
      for (let i = 900; i < 1000; i++) drifting[i] = drifting[i]! + (4 * (i - 900)) / 100;
      expect(flagged(drifting).filter((s) => s.seq >= 1000 && s.seq <= 1003)).toEqual([]);
    }
    const random = new Random(16);
    const square = Array.from(
      { length: 3000 },
      (_, i) => (Math.floor(i / 48) % 2) * 10 + random.normal(0, 0.2),
    );
    expect(flagged(square).filter((s) => s.seq >= 1000)).toEqual([]);
  });

  it('does not flood on a steady trend, on clean data, or on the ordinary peaks of a spiky series', () => {
    expect(flagged(cleanStream(3000, 6, 10 / 3000)).length).toBeLessThanOrEqual(3);
    for (const seed of [7, 8]) expect(flagged(cleanStream(3000, seed)).length).toBeLessThanOrEqual(2);
    const spiky = cleanStream(3000, 11).map((v, i) => (i % 20 === 7 ? v + 10 : v));
    expect(flagged(spiky).length).toBeLessThanOrEqual(3);
  });

  it('flags nothing in its first W samples and says it is warming up until then', () => {
    const detector = createStreamDetector({ window: W });
    const values = cleanStream(W, 9);
    values[10] = 100;
    const out: ScoredSample[] = [];
    values.forEach((v, i) => {
      expect(detector.warmingUp).toBe(true);
      out.push(...detector.push(v, i * STEP_MS));
    });
    out.push(...detector.flush!());
    expect(out.map((s) => s.seq)).toEqual(values.map((_, i) => i));
    expect(out.some((s) => s.outlier)).toBe(false);
    detector.push(20, W * STEP_MS);
    expect(detector.warmingUp).toBe(false);
  });

  it('reports what it expected and the band a lasting deviation may take, in the series units', () => {
    const { values, at } = streamWith('spike', N, AT, 5);
    const clean = cleanStream(N, 5);
    const all = verdicts(values);
    const spike = all[at]!;
    expect(spike.outlier).toBe(true);
    expect(Math.abs(spike.expected! - clean[at]!)).toBeLessThan(1);
    expect(values[at]!).toBeGreaterThan(spike.upper!);
    // Single ordinary samples mostly lie inside the band (it is drawn for deviations that last).
    const ordinary = all.slice(400, AT).filter((s) => s.lower !== undefined);
    const inside = ordinary.filter((s) => values[s.seq]! >= s.lower! && values[s.seq]! <= s.upper!);
    expect(inside.length / ordinary.length).toBeGreaterThan(0.9);
    // A shift of +6 lands outside it.
    const shifted = streamWith('level-shift', N, AT, 5);
    const shift = verdicts(shifted.values)[AT + 1]!;
    expect(shifted.values[AT + 1]!).toBeGreaterThan(shift.upper!);
  });

  it('scores independently of the window: W only shapes decisions', () => {
    const { values } = streamWith('level-shift', N, AT, 6);
    const narrow = verdicts(values, 16).map((s) => s.score);
    const wide = verdicts(values, 512).map((s) => s.score);
    expect(narrow).toEqual(wide);
  });

  it('refuses the state of the previous release, so the service restarts that detector from its options', () => {
    // What the forest detector wrote when it was the default kind (format 6).
    const forest = createStreamDetector({ detector: 'forest', window: W });
    for (let i = 0; i < 300; i++) forest.push(Math.sin(i / 7), i * STEP_MS);
    const old = {
      ...forest.toJSON(),
      kind: 'default',
      options: { ...forest.toJSON().options, detector: 'default' },
    };
    const attempt = () => restoreStreamDetector(JSON.parse(JSON.stringify(old)));
    expect(attempt).toThrow(InvalidInputError);
    expect(attempt).toThrow(/format version 6/);
  });

  it('refuses a damaged state naming state', () => {
    const detector = createStreamDetector({ window: W });
    for (let i = 0; i < 500; i++) detector.push(Math.sin(i / 7), i * STEP_MS);
    const state = detector.toJSON();
    for (const damaged of [
      { ...state, level: { ...(state.level as object), mean: 'x' } },
      { ...state, values: new Array(14).fill(1) },
      { ...state, profileLikelihood: null },
      { ...state, pending: { score: 'high' } },
    ]) {
      expect(() => restoreStreamDetector(damaged)).toThrow(expect.objectContaining({ argument: 'state' }));
    }
  });

  it('refuses a sample without a usable time', () => {
    const detector = createStreamDetector({ window: W });
    expect(() => detector.push(1, Number.NaN)).toThrow(expect.objectContaining({ argument: 'time' }));
  });
});
