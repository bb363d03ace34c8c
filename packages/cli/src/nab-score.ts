/**
 * The Numenta Anomaly Benchmark scoring (Lavin & Ahmad 2015, "Evaluating Real-time Anomaly Detection Algorithms
 * – the Numenta Anomaly Benchmark"), as implemented by NAB's nab/sweeper.py, optimizer.py and runner.normalize:
 *
 * - The first min(floor(0.15 n), 750) rows of each file are probationary and not scored.
 * - Inside a labelled window of width w, a detection at index i is worth A_TP * S(-(right - i + 1) / w) / S(-1)
 *   with the scaled sigmoid S(y) = 2 / (1 + e^(5y)) - 1 (S(y) = -1 for y >= 3); only the best (earliest)
 *   detection of a window counts, and a window without detection costs -A_FN.
 * - Outside windows a detection costs A_FP * S(|i - prevRight| / (prevWidth - 1)) (negative), i.e. little right
 *   after a window and A_FP far from it (or when no window precedes it).
 * - One threshold for the whole corpus (detection = score >= threshold) is chosen to maximise the total; ties go to
 *   the highest threshold.
 * - Normalised score = 100 (raw - null) / (perfect - null), where the null detector outputs a constant score and
 *   perfect = A_TP * number of windows.
 */

/** A NAB application profile's cost matrix. */
export interface CostProfile {
  tp: number;
  fp: number;
  fn: number;
}

/** NAB's config/profiles.json. */
export const NAB_PROFILES = {
  standard: { tp: 1, fp: 0.11, fn: 1 },
  reward_low_FP_rate: { tp: 1, fp: 0.22, fn: 1 },
  reward_low_FN_rate: { tp: 1, fp: 0.11, fn: 2 },
} as const satisfies Record<string, CostProfile>;

export type ProfileName = keyof typeof NAB_PROFILES;

/** One scored file: anomaly scores per row and its labelled windows as inclusive row-index ranges. */
export interface ScoredFile {
  name: string;
  scores: ArrayLike<number>;
  windows: ReadonlyArray<readonly [start: number, end: number]>;
}

/** A scorable row: its anomaly score, its weighted sweep score, and its window id (null outside windows). */
interface SweepPoint {
  score: number;
  sweep: number;
  window: string | null;
  /** Inside a window: whether the row lies past the window's middle (NAB centres windows on the label). */
  late: boolean;
}

const PROBATION_PERCENT = 0.15;
const PROBATION_CAP = PROBATION_PERCENT * 5000;

/** Rows at the start of a file that NAB does not score. */
export function probationaryLength(rows: number): number {
  return Math.min(Math.floor(PROBATION_PERCENT * rows), PROBATION_CAP);
}

/** NAB's scaled sigmoid: 2 sigmoid(-5 y) - 1, and -1 from y = 3 on. */
export function scaledSigmoid(y: number): number {
  return y >= 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1;
}

const MAX_TP = scaledSigmoid(-1);

/** Sweep scores of every scorable (post-probation) row of one file (nab/sweeper.py calcSweepScore). */
export function sweepPoints(file: ScoredFile, profile: CostProfile): SweepPoint[] {
  const n = file.scores.length;
  const probation = probationaryLength(n);
  const windows = [...file.windows].sort((a, b) => a[0] - b[0]);
  const points: SweepPoint[] = [];
  let w = 0;
  let prevRight = -1;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    const current = windows[w];
    const inWindow = current !== undefined && i >= current[0] && i <= current[1];
    let sweep: number;
    if (inWindow) {
      const width = current[1] - current[0] + 1;
      sweep = (scaledSigmoid(-(current[1] - i + 1) / width) * profile.tp) / MAX_TP;
    } else {
      const position = prevRight < 0 ? 3 : Math.abs(prevRight - i) / (prevWidth - 1);
      sweep = scaledSigmoid(position) * profile.fp;
    }
    if (i >= probation) {
      points.push({
        score: file.scores[i]!,
        sweep,
        window: inWindow ? `${file.name}|${current[0]}` : null,
        late: inWindow && 2 * i > current[0] + current[1],
      });
    }
    if (inWindow && i === current[1]) {
      prevRight = i;
      prevWidth = current[1] - current[0] + 1;
      w++;
    }
  }
  return points;
}

/** Total score at each distinct threshold, highest threshold first (nab/sweeper.py calcScoreByThreshold). */
export function scoresByThreshold(points: readonly SweepPoint[], profile: CostProfile) {
  const sorted = [...points].sort((a, b) => b.score - a.score);
  const windowBest = new Map<string, number>();
  for (const p of sorted) if (p.window !== null) windowBest.set(p.window, -profile.fn);
  let fpTotal = 0;
  let windowTotal = -profile.fn * windowBest.size;
  const result: Array<{ threshold: number; score: number }> = [];
  let threshold = 1.1;
  for (const p of sorted) {
    if (p.score !== threshold) {
      result.push({ threshold, score: fpTotal + windowTotal });
      threshold = p.score;
    }
    if (p.window === null) {
      fpTotal += p.sweep;
    } else {
      const best = windowBest.get(p.window)!;
      if (p.sweep > best) {
        windowTotal += p.sweep - best;
        windowBest.set(p.window, p.sweep);
      }
    }
  }
  result.push({ threshold, score: fpTotal + windowTotal });
  return result;
}

/** The corpus-wide threshold maximising the total (nab/optimizer.py); ties go to the highest threshold. */
export function optimizeThreshold(files: readonly ScoredFile[], profile: CostProfile) {
  const points = files.flatMap((f) => sweepPoints(f, profile));
  let best = { threshold: 1.1, score: Number.NEGATIVE_INFINITY };
  for (const t of scoresByThreshold(points, profile)) if (t.score > best.score) best = t;
  return best;
}

/** One file's outcome at a threshold. */
export interface FileScore {
  name: string;
  score: number;
  /** Windows with at least one detection, windows without, detections outside windows (post-probation). */
  detectedWindows: number;
  missedWindows: number;
  falsePositives: number;
  /** Detected windows whose first detection came past the window's middle (after the labelled anomaly). */
  lateWindows: number;
}

/** Scores one file at a fixed threshold (detection = score >= threshold). */
export function scoreFile(file: ScoredFile, profile: CostProfile, threshold: number): FileScore {
  const best = new Map<string, number>();
  const late = new Map<string, boolean>();
  let fpTotal = 0;
  let falsePositives = 0;
  for (const p of sweepPoints(file, profile)) {
    if (p.window !== null && !best.has(p.window)) best.set(p.window, -profile.fn);
    if (p.score < threshold) continue;
    if (p.window === null) {
      fpTotal += p.sweep;
      falsePositives++;
    } else {
      best.set(p.window, Math.max(best.get(p.window)!, p.sweep));
      if (!late.has(p.window)) late.set(p.window, p.late);
    }
  }
  let windowsTotal = 0;
  let detectedWindows = 0;
  for (const v of best.values()) {
    windowsTotal += v;
    if (v !== -profile.fn) detectedWindows++;
  }
  return {
    name: file.name,
    score: windowsTotal + fpTotal,
    detectedWindows,
    missedWindows: best.size - detectedWindows,
    falsePositives,
    lateWindows: [...late.values()].filter((l) => l).length,
  };
}

/** A profile's corpus result: the optimised threshold, raw/null/perfect totals and the normalised score. */
export interface ProfileResult {
  profile: string;
  threshold: number;
  raw: number;
  null: number;
  perfect: number;
  normalized: number;
  files: FileScore[];
}

/** Scores a corpus under one profile exactly as NAB's optimize + score + normalize steps do. */
export function scoreCorpus(files: readonly ScoredFile[], profileName: ProfileName): ProfileResult {
  const profile = NAB_PROFILES[profileName];
  const { threshold } = optimizeThreshold(files, profile);
  const perFile = files.map((f) => scoreFile(f, profile, threshold));
  const raw = perFile.reduce((sum, f) => sum + f.score, 0);
  const nullFiles = files.map((f) => ({ ...f, scores: new Float64Array(f.scores.length).fill(0.5) }));
  const nullScore = optimizeThreshold(nullFiles, profile).score;
  const perfect = profile.tp * files.reduce((sum, f) => sum + f.windows.length, 0);
  return {
    profile: profileName,
    threshold,
    raw,
    null: nullScore,
    perfect,
    normalized: (100 * (raw - nullScore)) / (perfect - nullScore),
    files: perFile,
  };
}
