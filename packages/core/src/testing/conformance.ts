/**
 * The shared suite every station detector passes (after River's `check_estimator`, river/checks): framework-free
 * checks that throw an Error describing the first violation, so any test runner can call them:
 *
 * ```ts
 * for (const check of streamDetectorChecks) it(check.name, () => check.run(factory));
 * ```
 */

import { restoreStreamDetector } from '../detectors/registry.js';
import type { ScoredSample, StreamDetector } from '../detectors/stream-detector.js';
import { Random } from '../random.js';

/** Builds a fresh detector of the kind under test with the given seed. */
export type DetectorFactory = (seed: number) => StreamDetector;

/** What a kind needs the suite to know. */
export interface CheckOptions {
  /**
   * Where to plant the outlier of the separation check. @default 450, well after any warm-up; kinds that can only
   * separate in-sample outliers (the reference's tumbling forest) plant it in their first window.
   */
  outlierAt?: number;
}

export interface StreamDetectorCheck {
  name: string;
  run(factory: DetectorFactory, options?: CheckOptions): void;
}

/** A seeded noisy daily-like series of `n` samples (sine plus Gaussian noise). */
export function conformanceSeries(n: number, seed = 7): number[] {
  const random = new Random(seed);
  return Array.from(
    { length: n },
    (_, i) => 10 + 3 * Math.sin((2 * Math.PI * i) / 48) + random.normal(0, 0.5),
  );
}

/** Pushes every value (then flushes) and returns the verdicts indexed by seq; checks each seq is scored once. */
export function runStream(detector: StreamDetector, values: readonly number[]): ScoredSample[] {
  const bySeq: ScoredSample[] = [];
  const record = (samples: ScoredSample[]) => {
    for (const s of samples) {
      if (bySeq[s.seq] !== undefined) throw new Error(`sample ${s.seq} scored twice`);
      if (!(s.score >= 0 && s.score <= 1))
        throw new Error(`sample ${s.seq} has score ${s.score} outside [0, 1]`);
      bySeq[s.seq] = s;
    }
  };
  for (const v of values) record(detector.push(v));
  if (detector.flush) record(detector.flush());
  return bySeq;
}

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

const SERIES_LENGTH = 600;

export const streamDetectorChecks: readonly StreamDetectorCheck[] = [
  {
    name: 'scores every pushed sample exactly once, in [0, 1], in seq order',
    run(factory) {
      const detector = factory(1);
      const values = conformanceSeries(SERIES_LENGTH);
      let last = -1;
      const verdicts: ScoredSample[] = [];
      for (const v of values) {
        for (const s of detector.push(v)) {
          assert(s.seq > last, `seq ${s.seq} returned after ${last}`);
          last = s.seq;
          verdicts.push(s);
        }
      }
      if (detector.flush) verdicts.push(...detector.flush());
      assert(detector.seen === values.length, `seen is ${detector.seen}, expected ${values.length}`);
      assert(verdicts.length === values.length, `${verdicts.length} verdicts for ${values.length} samples`);
      runStream(factory(1), values);
    },
  },
  {
    name: 'does not mutate its input',
    run(factory) {
      const values = conformanceSeries(SERIES_LENGTH);
      const copy = [...values];
      runStream(factory(1), values);
      assert(
        values.every((v, i) => Object.is(v, copy[i])),
        'input values changed',
      );
    },
  },
  {
    name: 'same seed, same scores',
    run(factory) {
      const values = conformanceSeries(SERIES_LENGTH);
      const a = runStream(factory(42), values);
      const b = runStream(factory(42), values);
      assert(
        a.every((s, i) => s.score === b[i]!.score && s.outlier === b[i]!.outlier),
        'two runs with one seed differ',
      );
    },
  },
  {
    name: 'continues identically after toJSON -> JSON text -> restore, at any point of the stream',
    run(factory) {
      const values = conformanceSeries(SERIES_LENGTH);
      const expected = runStream(factory(3), values);
      for (const cut of [5, 100, 257, 431]) {
        const original = factory(3);
        for (const v of values.slice(0, cut)) original.push(v);
        const restored = restoreStreamDetector(JSON.parse(JSON.stringify(original.toJSON())));
        assert(restored.seen === cut, `restored seen ${restored.seen}, expected ${cut}`);
        assert(restored.warmingUp === original.warmingUp, 'restored warm-up state differs');
        const rest: ScoredSample[] = [];
        for (const v of values.slice(cut)) rest.push(...restored.push(v));
        if (restored.flush) rest.push(...restored.flush());
        for (const s of rest) {
          const e = expected[s.seq]!;
          assert(
            s.score === e.score && s.outlier === e.outlier,
            `after a restore at ${cut}, sample ${s.seq} scored ${s.score} instead of ${e.score}`,
          );
        }
      }
    },
  },
  {
    name: 'separates a planted outlier from ordinary samples',
    run(factory, { outlierAt: at = 450 } = {}) {
      const values = conformanceSeries(SERIES_LENGTH);
      values[at] = 40; // about 60 noise sd above the series
      const verdicts = runStream(factory(5), values);
      const planted = verdicts[at]!.score;
      const ordinary = verdicts.filter((s) => Math.abs(s.seq - at) <= 30 && s.seq !== at).map((s) => s.score);
      assert(
        ordinary.every((s) => s < planted),
        `planted outlier scored ${planted}, not above ordinary samples (max ${Math.max(...ordinary)})`,
      );
    },
  },
  {
    name: 'is warming up at first and not afterwards',
    run(factory) {
      const detector = factory(1);
      assert(detector.warmingUp, 'a fresh detector is not warming up');
      for (const v of conformanceSeries(SERIES_LENGTH)) detector.push(v);
      assert(!detector.warmingUp, `still warming up after ${SERIES_LENGTH} samples`);
    },
  },
];
