/**
 * Wall times suffer when other processes share the CPU; CPU times (this process) much less so.
 *
 * Metric models on one day of one-minute traffic (1440 rows): autoencoder training (20 epochs, 11 metrics) and
 * inference on the TF.js backend chosen here, and the shallow model on one metric.
 * Targets: inference < 100 ms median, training < 60 s (wasm, 2 cores).
 */
import { shallowDetect } from '../src/detectors/shallow-model.js';
import { initBackend, trainModel } from '../src/neural/index.js';
import { dailyTraffic } from '../test/fixtures/daily-traffic.js';
import { measure, report } from './measure.js';

const TRAFFIC_METRICS = [
  'bytes',
  'pkts',
  'clients',
  'flows',
  'bps',
  'pps',
  'fps',
  'bytes_per_client',
  'bits_per_sec_per_client',
  'flows_per_client',
  'flows_per_sec_per_client',
];
const ROWS = 1440;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const backend = await initBackend();
process.stdout.write(`TF.js backend: ${backend}\n`);
const day = dailyTraffic({ rows: ROWS, metrics: TRAFFIC_METRICS, seed: 1 });

const started = performance.now();
const startedCpu = process.cpuUsage();
const model = await trainModel(day, { epochs: 20, seed: 1 });
const trainingSeconds = (performance.now() - started) / 1000;
const trainingCpu = process.cpuUsage(startedCpu);
process.stdout.write(
  `autoencoder training, ${ROWS} rows x ${TRAFFIC_METRICS.length} metrics, 20 epochs: ${trainingSeconds.toFixed(1)} s wall, ` +
    `${((trainingCpu.user + trainingCpu.system) / 1e6).toFixed(1)} s CPU ` +
    `(loss ${model.metadata.loss.training.toExponential(2)}, validation ${model.metadata.loss.validation?.toExponential(2)})\n`,
);

const next = dailyTraffic({ rows: ROWS, metrics: TRAFFIC_METRICS, seed: 2, start: Date.UTC(2024, 4, 21) });
const wall: number[] = [];
const cpu: number[] = [];
for (let i = 0; i < 23; i++) {
  const t = performance.now();
  const c = process.cpuUsage();
  model.detect(next);
  const used = process.cpuUsage(c);
  // The first calls warm up the JIT and the wasm kernels.
  if (i >= 3) {
    wall.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  }
}
process.stdout.write(
  `autoencoder detect, ${ROWS} rows x ${TRAFFIC_METRICS.length} metrics: median ${median(wall).toFixed(1)} ms wall, ` +
    `${median(cpu).toFixed(1)} ms CPU\n`,
);
report(
  measure(`autoencoder detect (${ROWS} rows x 11 metrics)`, ROWS, () => model.detect(next)),
  'rows',
);
model.dispose();

const bytes = dailyTraffic({ rows: ROWS, seed: 3 });
report(
  measure(`shallow model (${ROWS} rows)`, ROWS, () => shallowDetect(bytes)),
  'rows',
);
