#!/usr/bin/env node
/**
 * `pnpm eval:metrics -- [--seed 1 --seed 2 ...] [--sensors 20] [--granularity minute|hour] [--model shallow|autoencoder]
 * [--epochs 20] [--models DIR]`: generates labelled traffic (metric-traffic.ts) for each seed, both granularities and `--sensors`
 * sensors each, runs the metric models in process as the executor runs them (the shallow model on the request's
 * rows; the autoencoder trained per sensor on its history with the trainer's settings, then run on the request)
 * and scores them (metric-score.ts): recall per kind, point precision, F1, and how often `expected` is nearer the
 * clean value. One row per model, granularity and seed, then one pooled row per model.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { shallowDetect } from '@outliers/core';
import { cliArgs, intFlag } from './args.js';
import { addRequest, emptyScore, type MetricScore, metricFigures } from './metric-score.js';
import { BASE_METRICS, type SensorTraffic, sensorTraffic, TRAFFIC_KINDS } from './metric-traffic.js';
import { readModelFiles, writeModelFiles } from './model-dir.js';
import { userPath } from './paths.js';

const MODELS = ['shallow', 'autoencoder'] as const;
type Model = (typeof MODELS)[number];
const GRANULARITY_NAMES = ['minute', 'hour'] as const;
/** The metric the executor reports by default (METRIC). */
const METRIC = 'bytes';
/** The file whose presence marks a complete model directory (model-dir.ts writes it last). */
const METADATA = 'metadata.json';

const { values: flags } = parseArgs({
  args: cliArgs(),
  options: {
    seed: { type: 'string', multiple: true },
    sensors: { type: 'string', default: '20' },
    granularity: { type: 'string', multiple: true },
    model: { type: 'string', multiple: true },
    epochs: { type: 'string', default: '20' },
    models: { type: 'string' },
  },
});

try {
  const seeds = (flags.seed ?? ['1', '2', '3']).map((s) => intFlag('seed', s));
  const sensors = intFlag('sensors', flags.sensors);
  const epochs = intFlag('epochs', flags.epochs);
  const granularities = choices('granularity', flags.granularity, GRANULARITY_NAMES);
  const models = choices('model', flags.model, MODELS);
  const pooled = new Map<Model, MetricScore>(models.map((m) => [m, emptyScore()]));
  const lines = [header()];
  for (const model of models) {
    for (const granularity of granularities) {
      for (const seed of seeds) {
        const score = emptyScore();
        const started = performance.now();
        for (let index = 0; index < sensors; index++) {
          const traffic = sensorTraffic(seed, index, granularity);
          const detection = await detect(model, traffic, seed, epochs);
          const request = { ...traffic, detection };
          addRequest(score, request, METRIC);
          addRequest(pooled.get(model)!, request, METRIC);
        }
        const seconds = (performance.now() - started) / 1000;
        lines.push(`${row(`${model} ${granularity} seed=${seed}`, score)}  ${seconds.toFixed(1)} s`);
        process.stderr.write(`${lines.at(-1)}\n`);
      }
    }
  }
  for (const model of models) lines.push(row(`${model} pooled`, pooled.get(model)!));
  process.stdout.write(`${lines.join('\n')}\n`);
} catch (error) {
  process.stderr.write(`eval:metrics: ${(error as Error).message}\n`);
  process.exit(1);
}

async function detect(model: Model, traffic: SensorTraffic, seed: number, epochs: number) {
  if (model === 'shallow') return shallowDetect(traffic.rows);
  const trained = await trainedModel(traffic, seed, epochs);
  try {
    return trained.detect(traffic.rows);
  } finally {
    trained.dispose();
  }
}

/**
 * The sensor's model, trained with the trainer's settings; with `--models DIR` kept there and read back on the
 * next run (a model depends only on the generator's seed, the sensor and the epochs).
 */
async function trainedModel(traffic: SensorTraffic, seed: number, epochs: number) {
  const { AutoencoderModel, trainModel } = await import('@outliers/core/autoencoder');
  const dir = flags.models && join(userPath(flags.models), `${traffic.sensor}-e${epochs}`);
  if (dir && existsSync(join(dir, METADATA))) return AutoencoderModel.fromFiles(readModelFiles(dir));
  const trained = await trainModel(traffic.history, { metrics: [...BASE_METRICS], epochs, seed });
  if (dir) writeModelFiles(dir, await trained.toFiles());
  return trained;
}

function header(): string {
  const kinds = TRAFFIC_KINDS.map((k) => k.padStart(14)).join('');
  const nearer = ['dip', 'outage', 'shift'].map((k) => `near:${k}`.padStart(12)).join('');
  return `${'run'.padEnd(28)}${kinds}  precision     F1${nearer}`;
}

function row(label: string, score: MetricScore): string {
  const f = metricFigures(score);
  const fixed = (x: number | null) => (x === null ? '-' : x.toFixed(3));
  const kinds = TRAFFIC_KINDS.map((k) => fixed(f.recall[k]).padStart(14)).join('');
  const nearer = (['dip', 'outage', 'shift'] as const)
    .map((k) => fixed(f.expectedNearer[k]).padStart(12))
    .join('');
  return `${label.padEnd(28)}${kinds}  ${fixed(f.precision).padStart(9)}  ${fixed(f.f1)}${nearer}`;
}

function choices<T extends string>(name: string, given: string[] | undefined, all: readonly T[]): T[] {
  if (!given?.length) return [...all];
  for (const value of given) {
    if (!all.includes(value as T))
      throw new Error(`--${name} must be one of ${all.join(', ')}, got '${value}'`);
  }
  return given as T[];
}
