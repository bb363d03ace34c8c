#!/usr/bin/env node
/**
 * `pnpm eval:streams -- --data DIR [--data DIR2 ...] [--detector default|forest|reference] [--mode M]
 * [--window 64] [--threshold T | --sensitivity S] [--shift-tol 2] [--limit N] [--station-prefix P]`: runs station
 * detectors in process over sets written by tools/station-streams/gen_streams.py (one per generator seed)
 * and scores each exactly like harness.py scores a running server (event recall per kind, point precision, F1).
 * With several sets, a summary row per set follows. The last line is `f1=0.NNNN recall=0.NNNN precision=0.NNNN`
 * (of the last set alone when there is one, of all sets pooled otherwise).
 */
import { parseArgs } from 'node:util';
import { cliArgs, EVAL_FLAGS, intFlag, numberFlag, parseWindow } from './args.js';
import { flagStationStreams } from './flag-station-streams.js';
import { userPath } from './paths.js';
import { loadStationStreams, type StreamEvent } from './station-streams.js';
import { DEFAULT_SHIFT_TOL, type StreamScore, scoreStreams, streamFigures } from './stream-score.js';

/** The harness's W for every variable. */
const DEFAULT_STREAM_WINDOW = 64;
const SUMMARY_HEADER =
  'seed        F1  precision  recall  level_shift  spikes>=6sigma  stuck  dropout  burst  drift';

const { values: flags } = parseArgs({
  args: cliArgs(),
  options: {
    ...EVAL_FLAGS,
    data: { type: 'string', multiple: true },
    threshold: { type: 'string' },
    sensitivity: { type: 'string' },
    'shift-tol': { type: 'string' },
    limit: { type: 'string' },
    'station-prefix': { type: 'string', default: '' },
  },
});
try {
  if (!flags.data?.length) throw new Error('--data DIR (a gen_streams.py output directory) is required');
  const options = {
    detector: flags.detector,
    window: parseWindow(flags.window) ?? DEFAULT_STREAM_WINDOW,
    ...(flags.mode ? { mode: flags.mode } : {}),
    ...(flags.threshold !== undefined ? { threshold: numberFlag('threshold', flags.threshold) } : {}),
    ...(flags.sensitivity !== undefined ? { sensitivity: numberFlag('sensitivity', flags.sensitivity) } : {}),
  };
  const shiftTol =
    flags['shift-tol'] === undefined ? DEFAULT_SHIFT_TOL : intFlag('shift-tol', flags['shift-tol']);
  const limit = flags.limit === undefined ? undefined : intFlag('limit', flags.limit);
  const out: string[] = [];
  const summaries: string[] = [];
  const pooled = { events: [] as StreamEvent[], flags: new Map<string, number[]>() };
  for (const [k, dir] of flags.data.entries()) {
    const dataset = loadStationStreams(userPath(dir), limit === undefined ? {} : { limit });
    const started = performance.now();
    const flagged = flagStationStreams(dataset, options, flags['station-prefix']);
    const seconds = (performance.now() - started) / 1000;
    const score = scoreStreams(dataset.events, flagged, shiftTol);
    const rows = dataset.stations.reduce((n, s) => n + s.timestamps.length, 0);
    out.push(
      `detector=${JSON.stringify(options)} data seed=${dataset.seed} digest=${dataset.digest.slice(0, 16)} ` +
        `stations=${dataset.stations.length} rows=${rows} shift_tol=${shiftTol}`,
      ...scoreTable(score),
      `detection time ${seconds.toFixed(2)} s (${Math.round(rows / seconds)} samples/s, ` +
        `${Math.round((rows * dataset.variables.length) / seconds)} values/s)`,
    );
    summaries.push(summaryRow(dataset.seed, score));
    // Pooled under distinct keys per set, so sets with the same station names stay apart.
    for (const e of dataset.events) pooled.events.push({ ...e, station: `${k}:${e.station}` });
    for (const [key, rowsFlagged] of flagged) pooled.flags.set(`${k}:${key}`, rowsFlagged);
  }
  const total = scoreStreams(pooled.events, pooled.flags, shiftTol);
  const overall = total.overall;
  if (flags.data.length > 1) out.push(SUMMARY_HEADER, ...summaries, summaryRow('all', total));
  out.push(
    `f1=${pyFixed(overall.f1, 4)} recall=${pyFixed(overall.recall, 4)} precision=${pyFixed(overall.precision, 4)}`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
} catch (error) {
  process.stderr.write(`eval:streams: ${(error as Error).message}\n`);
  process.exit(1);
}

/** One set's figures in one row: the kinds and sizes the acceptance of the default detector names. */
function summaryRow(seed: number | string, score: StreamScore): string {
  const f = streamFigures(score);
  const cells = [
    [f.f1, 6],
    [f.precision, 11],
    [f.recall, 8],
    [f.levelShift, 13],
    [f.spikesFrom6Sigma, 16],
    [f.stuck, 7],
    [f.dropout, 9],
    [f.burst, 7],
    [f.drift, 7],
  ] as const;
  return String(seed).padEnd(6) + cells.map(([v, w]) => pyFixed(v, 3).padStart(w)).join('');
}

/** harness.py's print_table() layout: per kind, then spikes by size and per variable. */
function scoreTable(score: StreamScore): string[] {
  const header = ['events', 'detected', 'recall', 'flags_in_span', 'labelled_pts'];
  const widths = [7, 9, 8, 14, 13];
  const lines = ['kind'.padEnd(14) + header.map((h, i) => h.padStart(widths[i]!)).join('')];
  let labelled = 0;
  const row = (
    name: string,
    g: { events: number; detected: number; flagsInSpan: number },
    r: number,
    pts: number,
  ) =>
    name.padEnd(14) +
    [g.events, g.detected, pyFixed(r, 3), g.flagsInSpan, pts]
      .map((c, i) => String(c).padStart(widths[i]!))
      .join('');
  for (const [kind, g] of score.perKind) {
    labelled += g.labelledPoints;
    lines.push(row(kind, g, g.recall ?? 0, g.labelledPoints));
  }
  lines.push(row('ALL', score.overall, score.overall.recall, labelled));
  lines.push(
    `spike recall by size: ${[...score.spikesBySize].map(([k, s]) => `${k}:${pyFixed(s.recall ?? 0, 2)}`).join('  ')}`,
  );
  lines.push(
    `per variable: ${[...score.perVariable]
      .map(
        ([v, s]) =>
          `${v} R=${pyFixed(s.recall ?? 0, 3)} P=${s.precision === null ? 'None' : pyFixed(s.precision, 3)}`,
      )
      .join('  ')}`,
  );
  const o = score.overall;
  lines.push(
    `flags=${o.flags} in_span=${o.flagsInSpan} precision=${pyFixed(o.precision, 4)} recall=${pyFixed(o.recall, 4)} ` +
      `F1=${pyFixed(o.f1, 4)} dup=${o.flagsDuplicate}`,
  );
  return lines;
}

/**
 * `x` with `digits` decimals as Python's f'{x:.Nf}' prints it (harness.py's tables): exact ties such as 0.125
 * round half to even ('0.12'), where toFixed rounds them up.
 */
function pyFixed(x: number, digits: number): string {
  const scaled = x * 10 ** digits;
  const floor = Math.floor(scaled);
  if (scaled - floor === 0.5 && floor % 2 === 0) return (floor / 10 ** digits).toFixed(digits);
  return x.toFixed(digits);
}
