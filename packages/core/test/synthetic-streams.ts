/** Seeded synthetic station-like streams with labelled anomalies, for detector tests. */
import { Random } from '../src/random.js';

export type AnomalyKind = 'spike' | 'level-shift' | 'stuck' | 'dropout';

export interface LabelledStream {
  values: number[];
  /** First sample of the anomaly (for level shifts, the first shifted sample). */
  at: number;
  kind: AnomalyKind | 'none';
}

/** Clean signal: level 20 + daily cycle (period 96) of amplitude 2 + AR(1) wander + white noise (sd 0.2). */
export function cleanStream(n: number, seed: number, trendPerSample = 0): number[] {
  const random = new Random(seed);
  let wander = 0;
  return Array.from({ length: n }, (_, i) => {
    wander = 0.95 * wander + random.normal(0, 0.05);
    const value =
      20 + 2 * Math.sin((2 * Math.PI * i) / 96) + wander + random.normal(0, 0.2) + trendPerSample * i;
    return Math.round(value * 1000) / 1000;
  });
}

/** A clean stream with one anomaly of `kind` starting at `at`. */
export function streamWith(kind: AnomalyKind, n: number, at: number, seed: number): LabelledStream {
  const values = cleanStream(n, seed);
  switch (kind) {
    case 'spike':
      values[at] = values[at]! + 8; // about 40 noise sd, and beyond the daily range
      break;
    case 'level-shift':
      for (let i = at; i < n; i++) values[i] = values[i]! + 6;
      break;
    case 'stuck':
      for (let i = at; i < at + 48; i++) values[i] = values[at - 1]!;
      break;
    case 'dropout':
      for (let i = at; i < at + 3; i++) values[i] = 0;
      break;
  }
  return { values, at, kind };
}
