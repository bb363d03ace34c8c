#!/usr/bin/env node
/**
 * `pnpm train -- --input rows.json|rows.csv (--out DIR | --publish NAME [--store DIR]) [--from T] [--to T]
 *   [--metrics a,b] [--epochs N] [--window N] [--stride N] [--seed N]`:
 * trains the autoencoder on a Druid timeseries response or a CSV (timestamp + one column per metric), optionally on
 * the rows in [--from, --to) only.
 *  - `--out DIR` writes model.json, weights.bin and metadata.json into DIR, each atomically (temporary file, then
 *    rename; metadata.json last, so a directory with metadata.json holds a complete model).
 *  - `--publish NAME` publishes the version into the model store exactly as the trainer does (same files, same
 *    manifest metadata, then latest.json), so an executor on that store serves it: `--store DIR`, else the
 *    executor's variables (S3_BUCKET with S3_ENDPOINT/S3_PREFIX/S3_REGION and the AWS credentials, else MODEL_DIR).
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import {
  type AutoencoderMetadata,
  initBackend,
  METADATA_JSON,
  MODEL_JSON,
  WEIGHTS_BIN,
} from '@outliers/core/autoencoder';
import { assertModelName, createModelStore, modelStoreConfig } from '@outliers/model-store';
import {
  parseTrainingPeriod,
  samplingLabel,
  trainAutoencoder,
  versionMetadata,
} from '@outliers/trainer/publishing';
import { cliArgs } from './args.js';
import { readMetricRows, rowsInPeriod } from './metric-rows-file.js';
import { writeModelFiles } from './model-dir.js';
import { userPath } from './paths.js';

const USAGE =
  'usage: train --input rows.json|rows.csv (--out DIR | --publish NAME [--store DIR]) [--from ISO-TIME] ' +
  '[--to ISO-TIME] [--metrics a,b] [--epochs N] [--window N] [--stride N] [--seed N]\n';

/** Parses an optional integer flag. @throws {Error} naming the flag. */
function integerFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`--${name} must be an integer, got '${text}'`);
  return n;
}

/** The store `--publish` writes to: `--store DIR` (always the disk), else what the executor reads. */
function openStore(dir: string | undefined) {
  if (dir !== undefined) {
    const root = userPath(dir);
    return { store: createModelStore({ modelDir: root }), where: root };
  }
  let config: ReturnType<typeof modelStoreConfig>;
  try {
    config = modelStoreConfig(process.env);
  } catch {
    throw new Error('--store: needed unless MODEL_DIR or S3_BUCKET names the store (as for the executor)');
  }
  return {
    store: createModelStore(config),
    where: config.s3Bucket ? `s3://${config.s3Bucket}/${config.s3Prefix ?? ''}` : config.modelDir,
  };
}

const { values: flags } = parseArgs({
  args: cliArgs(),
  options: {
    input: { type: 'string' },
    out: { type: 'string' },
    publish: { type: 'string' },
    store: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    metrics: { type: 'string' },
    epochs: { type: 'string' },
    window: { type: 'string' },
    stride: { type: 'string' },
    seed: { type: 'string' },
  },
});
if (!flags.input || (!flags.out && !flags.publish)) {
  process.stderr.write(USAGE);
  process.exit(2);
}
let target: ReturnType<typeof openStore> | undefined;
try {
  if (flags.store !== undefined && flags.publish === undefined)
    throw new Error('--store: only with --publish NAME');
  const period = parseTrainingPeriod(flags);
  const options = {
    metrics: flags.metrics?.split(',').map((m) => m.trim()),
    epochs: integerFlag('epochs', flags.epochs),
    window: integerFlag('window', flags.window),
    stride: integerFlag('stride', flags.stride),
    seed: integerFlag('seed', flags.seed),
  };
  if (flags.publish !== undefined) {
    try {
      assertModelName(flags.publish);
    } catch (error) {
      throw new Error(`--publish: ${(error as Error).message}`);
    }
    target = openStore(flags.store);
  }
  const rows = rowsInPeriod(readMetricRows(userPath(flags.input)), period, flags.input);
  const label = samplingLabel(rows);
  const backend = await initBackend();
  const started = Date.now();
  // The trainer's own training: one series, labelled by its sampling interval, gives the trainer's version layout.
  const model = await trainAutoencoder([{ label, rows }], options);
  const durationMs = Date.now() - started;
  const metadata = JSON.parse(new TextDecoder().decode(model.files[METADATA_JSON])) as AutoencoderMetadata;
  if (flags.out) {
    const { [MODEL_JSON]: json, [WEIGHTS_BIN]: weights, [METADATA_JSON]: meta } = model.files;
    writeModelFiles(userPath(flags.out), {
      [MODEL_JSON]: json!,
      [WEIGHTS_BIN]: weights!,
      [METADATA_JSON]: meta!,
    });
  }
  const thresholds = metadata.metrics.map((m) => `${m}=${metadata.thresholds[m]!.threshold.toFixed(4)}`);
  process.stdout.write(
    `trained on ${metadata.dataRange.rows} rows (${metadata.dataRange.from} .. ${metadata.dataRange.to}, ` +
      `sampled every ${label}) in ${(durationMs / 1000).toFixed(1)} s on ${backend}\n` +
      `features: ${metadata.featureNames.join(', ')}\n` +
      `loss: training ${metadata.loss.training.toExponential(3)}, validation ${
        metadata.loss.validation === null ? 'none' : metadata.loss.validation.toExponential(3)
      }\n` +
      `thresholds (scaled error): ${thresholds.join(' ')}\n` +
      (flags.out ? `model written to ${flags.out}\n` : ''),
  );
  if (target && flags.publish !== undefined) {
    const manifest = await target.store.publish(
      flags.publish,
      model.files,
      versionMetadata(model, {
        trainedAt: started,
        durationMs,
        rows: rows.length,
        granularities: [label],
        metrics: metadata.metrics,
        node: `cli@${hostname()}`,
      }),
    );
    process.stdout.write(`published ${manifest.name} version ${manifest.version} to ${target.where}\n`);
  }
} catch (error) {
  process.stderr.write(`train: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  target?.store.close?.();
}
