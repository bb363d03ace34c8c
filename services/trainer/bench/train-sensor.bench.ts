/**
 * Time to train one sensor from one day of 1-minute data at 8 granularities (coarser series summed from the
 * 1-minute one, as Druid would aggregate), with the production settings (epochs 20, batch 32, window 32, stride 16),
 * in-process and through the worker thread the cluster uses.
 */

import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MetricRow } from '@outliers/core';
import { initBackend } from '@outliers/core/autoencoder';
import { trainAutoencoder } from '../src/training/autoencoder-trainer.js';
import { ThreadTrainer } from '../src/training/thread-trainer.js';
import type { LabeledSeries } from '../src/training/train-function.js';
import { trafficRows } from '../test/fixtures.js';

const GRANULARITY_MINUTES: Record<string, number> = {
  PT1M: 1,
  PT2M: 2,
  PT5M: 5,
  PT10M: 10,
  PT15M: 15,
  PT30M: 30,
  PT1H: 60,
  PT2H: 120,
};

function resample(rows: MetricRow[], minutes: number): MetricRow[] {
  const out: MetricRow[] = [];
  for (let i = 0; i + minutes <= rows.length; i += minutes) {
    const values: Record<string, number> = { bytes: 0, pkts: 0 };
    for (const row of rows.slice(i, i + minutes)) {
      values.bytes! += row.values.bytes!;
      values.pkts! += row.values.pkts!;
    }
    out.push({ time: rows[i]!.time, values });
  }
  return out;
}

const day = trafficRows(1440, 60_000);
const series: LabeledSeries[] = Object.entries(GRANULARITY_MINUTES).map(([label, m]) => ({
  label,
  rows: resample(day, m),
}));
const options = { metrics: ['bytes', 'pkts'], epochs: 20, batchSize: 32, k: 5 };
const backend = await initBackend();
process.stdout.write(
  `backend ${backend}; rows per granularity: ${series.map((s) => `${s.label}=${s.rows.length}`).join(' ')}\n`,
);

await trainAutoencoder(series.slice(0, 1), { ...options, epochs: 1 }); // warm-up (compile kernels)
for (let run = 1; run <= 2; run++) {
  const started = performance.now();
  const model = await trainAutoencoder(series, options);
  const ms = performance.now() - started;
  process.stdout.write(
    `in-process run ${run}: ${(ms / 1000).toFixed(2)} s; trained ${Object.keys(model.metadata.models as object).join(',')}; ` +
      `skipped (< window) ${Object.keys(model.metadata.skipped as object).join(',') || '-'}\n`,
  );
}

const trainer = new ThreadTrainer();
try {
  const t0 = performance.now();
  await trainer.train(series.slice(0, 1), { ...options, epochs: 1 });
  process.stdout.write(`worker thread start + warm-up: ${((performance.now() - t0) / 1000).toFixed(2)} s\n`);
  const t1 = performance.now();
  await trainer.train(series, options);
  process.stdout.write(`worker thread: ${((performance.now() - t1) / 1000).toFixed(2)} s\n`);
} finally {
  await trainer.close();
}
const threadTrainer = new ThreadTrainer();

// Why the worker thread: the longest event-loop stall of the main thread during one training of the 1-minute series.
const oneSeries = series.slice(0, 1);
for (const [where, run] of [
  ['in-process', () => trainAutoencoder(oneSeries, options)],
  ['worker thread', () => threadTrainer.train(oneSeries, options)],
] as const) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  await run();
  delay.disable();
  process.stdout.write(`longest event-loop stall, ${where}: ${(delay.max / 1e6).toFixed(0)} ms\n`);
}
await threadTrainer.close();
