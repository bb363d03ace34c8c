/**
 * The shared suite every station detector passes (after River's `check_estimator`, river/checks): framework-free
 * checks that throw an Error describing the first violation, so any test runner can call them:
 *
 * ```ts
 * for (const check of streamDetectorChecks) it(check.name, () => check.run(factory));
 * ```
 */

import { restoreStreamDetector } from '../detectors/registry.js';
import type { ScoredSample, StreamDetector, StreamDetectorState } from '../detectors/stream-detector.js';
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
  /** How the kind restores `toJSON()` output. @default restoreStreamDetector (the registry) */
  restore?: (state: StreamDetectorState) => StreamDetector;
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

/** Sampling interval of the suite's series: 30 minutes, so the 48-sample cycle of conformanceSeries is a day. */
const STEP_MS = 1_800_000;
const START_MS = Date.UTC(2024, 0, 1);

/** Observation time of sample `i` of the suite's series (epoch ms). */
export function sampleTime(i: number): number {
  return START_MS + i * STEP_MS;
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
  for (let i = 0; i < values.length; i++) record(detector.push(values[i]!, sampleTime(i)));
  if (detector.flush) record(detector.flush());
  return bySeq;
}

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

const SERIES_LENGTH = 600;
/** Restores are tried every RESTORE_STRIDE samples: a stride prime to usual windows hits every phase. */
const RESTORE_STRIDE = 37;

/**
 * Series for the restore checks: a plain noisy cycle, one with a spike, a level shift and a stuck run, and one
 * with a trend and dropouts to 0.
 */
function restoreSeries(): number[][] {
  const plain = conformanceSeries(SERIES_LENGTH);
  const shocked = conformanceSeries(SERIES_LENGTH, 11);
  shocked[150] = 40;
  for (let i = 300; i < SERIES_LENGTH; i++) shocked[i] = shocked[i]! + 8;
  for (let i = 420; i < 470; i++) shocked[i] = shocked[419]!;
  const trending = conformanceSeries(SERIES_LENGTH, 13).map((v, i) => v + i / 40);
  for (const i of [200, 201, 380]) trending[i] = 0;
  return [plain, shocked, trending];
}

function sameVerdict(actual: ScoredSample, expected: ScoredSample, where: string): void {
  const same =
    Object.is(actual.score, expected.score) &&
    actual.outlier === expected.outlier &&
    Object.is(actual.expected, expected.expected) &&
    Object.is(actual.lower, expected.lower) &&
    Object.is(actual.upper, expected.upper) &&
    actual.reason === expected.reason;
  assert(
    same,
    `${where}: sample ${actual.seq} gave ${JSON.stringify(actual)} instead of ${JSON.stringify(expected)}`,
  );
}

/**
 * Where `after` (the state after JSON text) differs from `before`, or null. Numbers must stay numbers of the
 * same value, so an Infinity or NaN that JSON turns into null is caught, as is a key that JSON drops.
 */
function jsonDifference(before: unknown, after: unknown, path: string): string | null {
  if (typeof before === 'number') {
    return typeof after === 'number' && after === before ? null : `${path} is ${before}, after JSON ${after}`;
  }
  if (before === null || typeof before !== 'object') {
    return before === after ? null : `${path} is ${String(before)}, after JSON ${String(after)}`;
  }
  if (after === null || typeof after !== 'object') return `${path} became ${String(after)} after JSON`;
  const a = before as Record<string, unknown>;
  const b = after as Record<string, unknown>;
  if (Array.isArray(a) !== Array.isArray(b)) return `${path} changed shape after JSON`;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return `${path} has other keys after JSON`;
  for (const key of keys) {
    const problem = jsonDifference(a[key], b[key], `${path}.${key}`);
    if (problem !== null) return problem;
  }
  return null;
}

export const streamDetectorChecks: readonly StreamDetectorCheck[] = [
  {
    name: 'scores every pushed sample exactly once, in [0, 1], in seq order',
    run(factory) {
      const detector = factory(1);
      const values = conformanceSeries(SERIES_LENGTH);
      let last = -1;
      const verdicts: ScoredSample[] = [];
      for (let i = 0; i < values.length; i++) {
        for (const s of detector.push(values[i]!, sampleTime(i))) {
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
    name: 'writes JSON-safe state: no Infinity, NaN or undefined that JSON text would change',
    run(factory) {
      for (const values of restoreSeries()) {
        const detector = factory(3);
        for (let cut = 0; cut <= values.length; cut++) {
          if (cut % RESTORE_STRIDE === 0 || cut === values.length) {
            const state = detector.toJSON();
            const problem = jsonDifference(state, JSON.parse(JSON.stringify(state)), 'state');
            assert(problem === null, `after ${cut} samples: ${problem}`);
          }
          if (cut < values.length) detector.push(values[cut]!, sampleTime(cut));
        }
      }
    },
  },
  {
    name: 'continues bit-identically after toJSON -> JSON text -> restore, at any point of the stream',
    run(factory, { restore = restoreStreamDetector } = {}) {
      for (const [series, values] of restoreSeries().entries()) {
        const expected = runStream(factory(3), values);
        // One detector walks the stream; at every cut its state goes through JSON text into a fresh detector
        // that must then reproduce every later verdict (also across warm-up and right after refits).
        const original = factory(3);
        for (let cut = 0; cut < values.length; cut++) {
          if (cut % RESTORE_STRIDE === 0) {
            const restored = restore(JSON.parse(JSON.stringify(original.toJSON())));
            const where = `series ${series}, restore after ${cut} samples`;
            assert(restored.seen === cut, `${where}: seen ${restored.seen}`);
            assert(restored.warmingUp === original.warmingUp, `${where}: warm-up state differs`);
            for (let i = cut; i < values.length; i++) {
              for (const s of restored.push(values[i]!, sampleTime(i)))
                sameVerdict(s, expected[s.seq]!, where);
            }
            if (restored.flush) for (const s of restored.flush()) sameVerdict(s, expected[s.seq]!, where);
          }
          for (const s of original.push(values[cut]!, sampleTime(cut))) {
            sameVerdict(s, expected[s.seq]!, 'the original');
          }
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
      const values = conformanceSeries(SERIES_LENGTH);
      for (let i = 0; i < values.length; i++) detector.push(values[i]!, sampleTime(i));
      assert(!detector.warmingUp, `still warming up after ${SERIES_LENGTH} samples`);
    },
  },
];
