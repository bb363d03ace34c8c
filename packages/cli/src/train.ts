#!/usr/bin/env node
/**
 * `pnpm train -- --input rows.json|rows.csv --out DIR [--metrics a,b] [--epochs N] [--window N] [--seed N]`:
 * trains the autoencoder on a Druid timeseries response or a CSV (timestamp + one column per metric) and writes
 * model.json, weights.bin and metadata.json into DIR, each atomically (temporary file, then rename; metadata.json
 * last, so a directory with metadata.json holds a complete model).
 */
import { parseArgs } from 'node:util';
import { initBackend, trainModel } from '@outliers/core/autoencoder';
import { cliArgs } from './args.js';
import { readMetricRows } from './metric-rows-file.js';
import { writeModelFiles } from './model-dir.js';
import { userPath } from './paths.js';

const USAGE =
  'usage: train --input rows.json|rows.csv --out DIR [--metrics a,b] [--epochs N] [--window N] [--seed N]\n';

/** Parses an optional integer flag. @throws {Error} naming the flag. */
function integerFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`--${name} must be an integer, got '${text}'`);
  return n;
}

const { values: flags } = parseArgs({
  args: cliArgs(),
  options: {
    input: { type: 'string' },
    out: { type: 'string' },
    metrics: { type: 'string' },
    epochs: { type: 'string' },
    window: { type: 'string' },
    seed: { type: 'string' },
  },
});
if (!flags.input || !flags.out) {
  process.stderr.write(USAGE);
  process.exit(2);
}
try {
  const rows = readMetricRows(userPath(flags.input));
  const backend = await initBackend();
  const started = performance.now();
  const model = await trainModel(rows, {
    metrics: flags.metrics?.split(',').map((m) => m.trim()),
    epochs: integerFlag('epochs', flags.epochs),
    window: integerFlag('window', flags.window),
    seed: integerFlag('seed', flags.seed),
  });
  const seconds = (performance.now() - started) / 1000;
  writeModelFiles(userPath(flags.out), await model.toFiles());
  const { metadata } = model;
  const thresholds = metadata.metrics.map((m) => `${m}=${metadata.thresholds[m]!.threshold.toFixed(4)}`);
  process.stdout.write(
    `trained on ${metadata.dataRange.rows} rows (${metadata.dataRange.from} .. ${metadata.dataRange.to}) ` +
      `in ${seconds.toFixed(1)} s on ${backend}\n` +
      `features: ${metadata.featureNames.join(', ')}\n` +
      `loss: training ${metadata.loss.training.toExponential(3)}, validation ${
        metadata.loss.validation === null ? 'none' : metadata.loss.validation.toExponential(3)
      }\n` +
      `thresholds (scaled error): ${thresholds.join(' ')}\n` +
      `model written to ${flags.out}\n`,
  );
  model.dispose();
} catch (error) {
  process.stderr.write(`train: ${(error as Error).message}\n`);
  process.exit(1);
}
