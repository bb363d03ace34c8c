/**
 * Station detectors as the station service uses them: samples/s of one stream per kind at W = 64 and 128 on a
 * station-like series (15-minute samples, daily cycle, wander, noise, a few spikes and a level shift), warm-up
 * included; then, for the default and forest kinds at W = 128, the memory of warm detectors (heap and typed-array
 * bytes after a full GC, per detector; warm = restored from a detector that has seen WARM_SAMPLES, then pushed
 * once, which regrows the forest's trees lazily), their JSON size, and the cost of restoring one from JSON text and
 * of its first push.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createStreamDetector, restoreStreamDetector } from '../src/detectors/registry.js';
import type { StreamDetector, StreamDetectorOptions } from '../src/detectors/stream-detector.js';
import { cleanStream } from '../test/synthetic-streams.js';
import { measure, report } from './measure.js';

const LENGTH = 20_000;
const MEMORY_DETECTORS = 2_000;
/** Enough for every part to be full: the daily profile and the likelihood's 8640-sample history. */
const WARM_SAMPLES = 10_000;
const STEP_MS = 900_000;

function stationSeries(n: number, seed: number): number[] {
  const values = cleanStream(n, seed);
  for (let i = 2_500; i < n; i += 3_000) values[i] = values[i]! + 8;
  for (let i = Math.floor(n / 2); i < n; i++) values[i] = values[i]! + 5;
  return values;
}

const series = stationSeries(LENGTH, 1);
const kinds: StreamDetectorOptions[] = [
  { detector: 'default', window: 0 },
  { detector: 'forest', window: 0 },
  { detector: 'reference', mode: 'tumbling', window: 0 },
  { detector: 'reference', mode: 'sliding', window: 0 },
];
for (const window of [64, 128]) {
  for (const kind of kinds) {
    const options = { ...kind, window, seed: 1 };
    const name = `${kind.detector}${kind.mode ? `/${kind.mode}` : ''} W=${window}, ${LENGTH} samples`;
    report(
      measure(name, LENGTH, () => {
        const detector = createStreamDetector(options);
        for (let i = 0; i < LENGTH; i++) detector.push(series[i]!, i * STEP_MS);
      }),
      'samples',
    );
  }
}

// Memory: V8 only exposes gc() with --expose-gc, which can be turned on at run time.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const usedBytes = () => {
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
};

const warmSeries = stationSeries(WARM_SAMPLES, 2);
const warmTexts = new Map<string, string>();
for (const detector of ['default', 'forest']) {
  const warm = createStreamDetector({ detector, window: 128, seed: 1 });
  for (let i = 0; i < WARM_SAMPLES; i++) warm.push(warmSeries[i]!, i * STEP_MS);
  warmTexts.set(detector, JSON.stringify(warm.toJSON()));
}
// Memory first, each kind measured from a clean heap with its detectors kept alive until read.
for (const [detector, text] of warmTexts) {
  const before = usedBytes();
  const detectors: StreamDetector[] = [];
  for (let i = 0; i < MEMORY_DETECTORS; i++) {
    const copy = restoreStreamDetector(JSON.parse(text));
    copy.push(20, WARM_SAMPLES * STEP_MS);
    detectors.push(copy);
  }
  const perDetector = (usedBytes() - before) / detectors.length;
  process.stdout.write(
    `${detector} W=128 warm (${WARM_SAMPLES} samples): ${(perDetector / 1024).toFixed(1)} KiB in memory, ` +
      `${(text.length / 1024).toFixed(1)} KiB JSON per detector (${detectors.length} detectors)\n`,
  );
  detectors.length = 0; // released before the next kind's baseline
}
for (const [detector, text] of warmTexts) {
  report(
    measure(`${detector} W=128 restore from JSON text`, 1, () => {
      restoreStreamDetector(JSON.parse(text));
    }),
    'restores',
  );
  report(
    measure(`${detector} W=128 restore from JSON text + first push`, 1, () => {
      restoreStreamDetector(JSON.parse(text)).push(20, WARM_SAMPLES * STEP_MS);
    }),
    'restores',
  );
}
