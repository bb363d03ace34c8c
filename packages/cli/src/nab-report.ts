import { NAB_HALVES } from './nab-halves.js';
import {
  type FileScore,
  NAB_PROFILES,
  type ProfileName,
  type ProfileResult,
  type ScoredFile,
  scoreCorpus,
} from './nab-score.js';

/** What `--save` writes and `--baseline` reads: the standard profile's outcome per file, and the totals. */
export interface NabRun {
  detector: string;
  standard: number;
  files: FileScore[];
}

/** A corpus scored under every profile, with its standard outcome split by category and by the fixed halves. */
export interface NabReport {
  results: ProfileResult[];
  categories: Array<{ name: string; files: FileScore[] }>;
  /** Each half scored as a corpus of its own (its own threshold, as NAB scores a corpus); absent for other data. */
  halves: Array<{ name: string; files: number; score: number }>;
}

export function nabReport(scored: readonly ScoredFile[]): NabReport {
  const results = (Object.keys(NAB_PROFILES) as ProfileName[]).map((p) => scoreCorpus(scored, p));
  const categories = new Map<string, FileScore[]>();
  for (const f of results[0]!.files) {
    const category = f.name.split('/')[0]!;
    categories.set(category, [...(categories.get(category) ?? []), f]);
  }
  const halves = Object.entries(NAB_HALVES).flatMap(([name, names]) => {
    const files = scored.filter((f) => (names as readonly string[]).includes(f.name));
    return files.length === names.length
      ? [{ name, files: files.length, score: scoreCorpus(files, 'standard').normalized }]
      : [];
  });
  return { results, categories: [...categories].map(([name, files]) => ({ name, files })), halves };
}

const COLUMNS = ['windows', 'detected', 'late', 'missed', 'fp', 'score'];

function row(name: string, files: readonly FileScore[], width: number, baseline?: number): string {
  const sum = (pick: (f: FileScore) => number) => files.reduce((s, f) => s + pick(f), 0);
  const score = sum((f) => f.score);
  const cells = [
    sum((f) => f.detectedWindows + f.missedWindows),
    sum((f) => f.detectedWindows),
    sum((f) => f.lateWindows),
    sum((f) => f.missedWindows),
    sum((f) => f.falsePositives),
  ].map((c) => String(c).padStart(9));
  const delta = baseline === undefined ? '' : `  ${signed(score - baseline)}`;
  return `${name.padEnd(width)}${cells.join('')}${score.toFixed(3).padStart(9)}${delta}`;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
}

/**
 * The report's lines: per file and per category what was won and lost at the corpus threshold (windows detected,
 * detected after their middle, missed, false positives, raw score), each half, the three profiles; with a
 * baseline run, each file's and category's score change. The last line is `standard=NN.NN`.
 */
export function formatNabReport(report: NabReport, baseline?: NabRun): string[] {
  const [standard, ...others] = report.results;
  const before = new Map(baseline?.files.map((f) => [f.name, f.score]));
  const baselineOf = (files: readonly FileScore[]) =>
    baseline === undefined ? undefined : files.reduce((s, f) => s + (before.get(f.name) ?? 0), 0);
  const header = (first: string, width: number) =>
    `${first.padEnd(width)}${COLUMNS.map((c) => c.padStart(9)).join('')}${baseline ? '  vs baseline' : ''}`;
  const out = [`standard profile at the corpus threshold ${standard!.threshold.toFixed(4)}:`];
  out.push(header('file', 58));
  for (const f of standard!.files) out.push(row(f.name, [f], 58, baselineOf([f])));
  out.push(header('category', 26));
  for (const c of report.categories)
    out.push(row(`${c.name} (${c.files.length})`, c.files, 26, baselineOf(c.files)));
  out.push(row('all', standard!.files, 26, baselineOf(standard!.files)));
  for (const h of report.halves)
    out.push(`half ${h.name} (${h.files} files): standard=${h.score.toFixed(2)}`);
  for (const r of report.results) {
    out.push(
      `${r.profile}: threshold=${r.threshold.toFixed(4)} raw=${r.raw.toFixed(3)} null=${r.null.toFixed(3)} ` +
        `perfect=${r.perfect.toFixed(3)} score=${r.normalized.toFixed(2)}`,
    );
  }
  if (baseline) out.push(`baseline ${baseline.detector}: standard=${baseline.standard.toFixed(2)}`);
  for (const r of others) out.push(`${r.profile}=${r.normalized.toFixed(2)}`);
  out.push(`standard=${standard!.normalized.toFixed(2)}`);
  return out;
}
