#!/usr/bin/env node
/**
 * `pnpm eval:nab -- [--data DIR] [--detector default|reference|shallow|autoencoder] [--window N] [--mode M]`:
 * runs a detector over
 * every NAB file in DIR (default: shared/data/nab beside the repository) and prints per-file results and the
 * three NAB profile scores; the last line is `standard=NN.NN`.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cliArgs, EVAL_FLAGS, parseWindow } from './args.js';
import { DEFAULT_WINDOW, detectSeries } from './detect-series.js';
import { detectWithMetricModel, isMetricModel } from './metric-model-series.js';
import { loadNabCorpus } from './nab-corpus.js';
import { NAB_PROFILES, type ProfileName, type ScoredFile, scoreCorpus } from './nab-score.js';
import { repoRoot, userPath } from './paths.js';

const { values: flags } = parseArgs({
  args: cliArgs(),
  options: EVAL_FLAGS,
});
try {
  const dir = flags.data ? userPath(flags.data) : join(repoRoot(), '..', 'shared', 'data', 'nab');
  const window = parseWindow(flags.window) ?? DEFAULT_WINDOW;
  const options = { detector: flags.detector, window, ...(flags.mode ? { mode: flags.mode } : {}) };
  const started = performance.now();
  let rows = 0;
  const scored: ScoredFile[] = [];
  for (const file of loadNabCorpus(dir)) {
    rows += file.series.values.length;
    const verdicts = isMetricModel(flags.detector)
      ? await detectWithMetricModel(file.series, flags.detector)
      : detectSeries(file.series, options);
    scored.push({ name: file.name, windows: file.windows, scores: verdicts.scores });
  }
  const seconds = (performance.now() - started) / 1000;
  const results = (Object.keys(NAB_PROFILES) as ProfileName[]).map((p) => scoreCorpus(scored, p));
  const standard = results[0]!;
  const out: string[] = [`detector=${JSON.stringify(options)} files=${scored.length} rows=${rows}`];
  out.push('file                                                  windows  detected  fp  score');
  for (const f of standard.files) {
    const windows = f.detectedWindows + f.missedWindows;
    out.push(
      `${f.name.padEnd(54)}${String(windows).padStart(7)}${String(f.detectedWindows).padStart(10)}` +
        `${String(f.falsePositives).padStart(4)}  ${f.score.toFixed(3)}`,
    );
  }
  for (const r of results) {
    out.push(
      `${r.profile}: threshold=${r.threshold.toFixed(4)} raw=${r.raw.toFixed(3)} null=${r.null.toFixed(3)} ` +
        `perfect=${r.perfect.toFixed(3)} score=${r.normalized.toFixed(2)}`,
    );
  }
  out.push(`detection time ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s)`);
  for (const r of results.slice(1)) out.push(`${r.profile}=${r.normalized.toFixed(2)}`);
  out.push(`standard=${standard.normalized.toFixed(2)}`);
  process.stdout.write(`${out.join('\n')}\n`);
} catch (error) {
  process.stderr.write(`eval:nab: ${(error as Error).message}\n`);
  process.exit(1);
}
