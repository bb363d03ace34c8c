#!/usr/bin/env node
/**
 * `pnpm detect -- --input in.csv --output out.csv [--detector default|forest|reference|shallow|autoencoder] [--window N]
 * [--model DIR]`: scores a `timestamp,value` CSV and writes `timestamp,value,anomaly_score,label`, exactly one row
 * per input row. The autoencoder uses the model in DIR (`pnpm train`), or trains on the first 15 % of the series.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cliArgs, parseWindow } from './args.js';
import { DEFAULT_WINDOW, detectSeries } from './detect-series.js';
import { detectWithMetricModel, isMetricModel } from './metric-model-series.js';
import { userPath } from './paths.js';
import { readSeriesCsv } from './series-csv.js';

const { values: flags } = parseArgs({
  args: cliArgs(),
  options: {
    input: { type: 'string' },
    output: { type: 'string' },
    detector: { type: 'string', default: 'default' },
    window: { type: 'string' },
    model: { type: 'string' },
  },
});
if (!flags.input || !flags.output) {
  process.stderr.write(
    'usage: detect --input in.csv --output out.csv [--detector default|forest|reference|shallow|autoencoder] ' +
      '[--window N] [--model DIR]\n',
  );
  process.exit(2);
}
try {
  const series = readSeriesCsv(userPath(flags.input));
  const window = parseWindow(flags.window) ?? DEFAULT_WINDOW;
  const { scores, outliers } = isMetricModel(flags.detector)
    ? await detectWithMetricModel(
        series,
        flags.detector,
        flags.model ? { modelDir: userPath(flags.model) } : {},
      )
    : detectSeries(series, { detector: flags.detector, window });
  const rows = series.timestamps.map((t, i) => `${t},${series.values[i]},${scores[i]},${outliers[i]}`);
  writeFileSync(userPath(flags.output), `timestamp,value,anomaly_score,label\n${rows.join('\n')}\n`);
  const flagged = outliers.reduce((n, o) => n + o, 0);
  process.stdout.write(`${series.values.length} rows scored, ${flagged} flagged -> ${flags.output}\n`);
} catch (error) {
  process.stderr.write(`detect: ${(error as Error).message}\n`);
  process.exit(1);
}
