#!/usr/bin/env node
/**
 * `pnpm eval:nab -- [--data DIR] [--detector default|forest|reference|shallow|autoencoder] [--window N]
 * [--mode M] [--save FILE] [--baseline FILE]`: runs a detector over every NAB file in DIR (default:
 * the repository's data/nab) and prints, at NAB's corpus-wide threshold, what was won and lost per file
 * and per category, the fixed halves (nab-halves.ts) and the three NAB profile scores. `--save` writes the run's
 * per-file outcome as JSON; `--baseline` prints each file's change against such a run. The last line is
 * `standard=NN.NN`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cliArgs, EVAL_FLAGS, parseWindow } from './args.js';
import { DEFAULT_WINDOW, detectSeries } from './detect-series.js';
import { detectWithMetricModel, isMetricModel } from './metric-model-series.js';
import { loadNabCorpus } from './nab-corpus.js';
import { formatNabReport, type NabRun, nabReport } from './nab-report.js';
import type { ScoredFile } from './nab-score.js';
import { repoRoot, userPath } from './paths.js';

const { values: flags } = parseArgs({
  args: cliArgs(),
  options: { ...EVAL_FLAGS, save: { type: 'string' }, baseline: { type: 'string' } },
});
try {
  const dir = flags.data ? userPath(flags.data) : join(repoRoot(), 'data', 'nab');
  const window = parseWindow(flags.window) ?? DEFAULT_WINDOW;
  const options = { detector: flags.detector, window, ...(flags.mode ? { mode: flags.mode } : {}) };
  const baseline = flags.baseline
    ? (JSON.parse(readFileSync(userPath(flags.baseline), 'utf8')) as NabRun)
    : undefined;
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
  const report = nabReport(scored);
  const standard = report.results[0]!;
  if (flags.save) {
    const run: NabRun = {
      detector: JSON.stringify(options),
      standard: standard.normalized,
      files: standard.files,
    };
    writeFileSync(userPath(flags.save), `${JSON.stringify(run, null, 1)}\n`);
  }
  const lines = formatNabReport(report, baseline);
  const summary = lines.findIndex((l) => l.startsWith('standard: threshold='));
  lines.splice(summary, 0, `detection time ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s)`);
  process.stdout.write(
    `detector=${JSON.stringify(options)} files=${scored.length} rows=${rows}\n${lines.join('\n')}\n`,
  );
} catch (error) {
  process.stderr.write(`eval:nab: ${(error as Error).message}\n`);
  process.exit(1);
}
