/**
 * Station detectors as the station service uses them: samples/s of one stream per kind at W = 64 and 128 on a
 * station-like series (daily cycle, wander, noise, a few spikes and a level shift), warm-up and refits included;
 * then, for the default kind at W = 128, the memory of warmed detectors (heap and typed-array bytes after a full
 * GC, per detector), their JSON size, and the cost of restoring one from JSON text and of its first push (which
 * regrows the forests lazily).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createStreamDetector, restoreStreamDetector } from '../src/detectors/registry.js';
import type { StreamDetector, StreamDetectorOptions } from '../src/detectors/stream-detector.js';
import { cleanStream } from '../test/synthetic-streams.js';
import { measure, report } from './measure.js';

const LENGTH = 20_000;
const MEMORY_DETECTORS = 2_000;
const WARM_SAMPLES = 1_000;

function stationSeries(n: number, seed: number): number[] {
  const values = cleanStream(n, seed);
  for (let i = 2_500; i < n; i += 3_000) values[i] = values[i]! + 8;
  for (let i = Math.floor(n / 2); i < n; i++) values[i] = values[i]! + 5;
  return values;
}

const series = stationSeries(LENGTH, 1);
const kinds: StreamDetectorOptions[] = [
  { detector: 'default', window: 0 },
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
        for (const v of series) detector.push(v);
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
const before = usedBytes();
const detectors: StreamDetector[] = [];
for (let i = 0; i < MEMORY_DETECTORS; i++) {
  const detector = createStreamDetector({ window: 128, seed: i });
  for (const v of warmSeries) detector.push(v + i / MEMORY_DETECTORS);
  detectors.push(detector);
}
const perDetector = (usedBytes() - before) / MEMORY_DETECTORS;
const texts = detectors.map((d) => JSON.stringify(d.toJSON()));
const jsonBytes = texts.reduce((sum, t) => sum + t.length, 0) / texts.length;
process.stdout.write(
  `default W=128 warmed (${WARM_SAMPLES} samples): ${(perDetector / 1024).toFixed(1)} KiB in memory, ` +
    `${(jsonBytes / 1024).toFixed(1)} KiB JSON per detector (${MEMORY_DETECTORS} detectors)\n`,
);

let next = 0;
report(
  measure('default W=128 restore from JSON text', 1, () => {
    restoreStreamDetector(JSON.parse(texts[next++ % texts.length]!));
  }),
  'restores',
);
report(
  measure('default W=128 restore from JSON text + first push', 1, () => {
    restoreStreamDetector(JSON.parse(texts[next++ % texts.length]!)).push(20);
  }),
  'restores',
);
