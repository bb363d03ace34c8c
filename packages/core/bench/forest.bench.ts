/**
 * Isolation Forest throughput: fit (100 trees, 256 samples), univariate scoring of 1e5 and 1e6 points,
 * scoring of 1e5 five-dimensional rows; and, when /usr/bin/python3 has scikit-learn, the same work with
 * sklearn.ensemble.IsolationForest on the same data in the same run, with the ratio ours / sklearn.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsolationForest } from '../src/forest/isolation-forest.js';
import { Random } from '../src/random.js';
import { measure, report, type Throughput } from './measure.js';

const PYTHON = '/usr/bin/python3';
const TRAIN_ROWS = 256;
const DIMS = 5;

/**
 * Times sklearn on the arrays in directory argv[1] (raw little-endian float64) and prints JSON throughputs.
 */
const SKLEARN_SCRIPT = `
import json, sys, time, warnings
import numpy as np
from sklearn.ensemble import IsolationForest
warnings.filterwarnings("ignore")
d, dims = sys.argv[1], int(sys.argv[2])
load = lambda name: np.fromfile(f"{d}/{name}.f64", dtype="<f8")
train1 = load("train1").reshape(-1, 1)
points1e6 = load("points1e6").reshape(-1, 1)
train5 = load("train5").reshape(-1, dims)
rows5 = load("rows5").reshape(-1, dims)
out = {}
def timed(name, units, work, repeats=1, warm_up=None):
    (warm_up or work)()
    start = time.perf_counter()
    for _ in range(repeats):
        work()
    ms = (time.perf_counter() - start) * 1000 / repeats
    out[name] = {"name": name, "perSecond": units * 1000 / ms, "msPerCall": ms}
forest = lambda: IsolationForest(n_estimators=100, max_samples=256, random_state=0)
timed("fit univariate", 1, lambda: forest().fit(train1), 5)
timed("fit 5-D", 1, lambda: forest().fit(train5), 5)
f1 = forest().fit(train1)
f5 = forest().fit(train5)
warm1 = lambda: f1.score_samples(points1e6[:1000])
timed("score univariate 1e5", 1e5, lambda: f1.score_samples(points1e6[:100000]), 1, warm1)
timed("score univariate 1e6", 1e6, lambda: f1.score_samples(points1e6), 1, warm1)
timed("score 5-D 1e5", 1e5, lambda: f5.score_samples(rows5), 1, lambda: f5.score_samples(rows5[:1000]))
print(json.dumps(out))
`;

const rng = new Random(20240531);
/** Normal data with 1% of points far out, so scoring visits both deep and shallow leaves. */
const sample = (n: number): Float64Array =>
  Float64Array.from({ length: n }, () => (rng.float() < 0.01 ? rng.normal(0, 8) : rng.normal()));
const train1 = sample(TRAIN_ROWS);
const points1e6 = sample(1e6);
const points1e5 = points1e6.subarray(0, 1e5);
const train5 = sample(TRAIN_ROWS * DIMS);
const rows5 = sample(1e5 * DIMS);
const asRows = (flat: Float64Array): Float64Array[] =>
  Array.from({ length: flat.length / DIMS }, (_, r) => flat.subarray(r * DIMS, (r + 1) * DIMS));
const trainRows5 = asRows(train5);
const scoreRows5 = asRows(rows5);

let seed = 0;
const ours: Throughput[] = [
  measure('fit univariate (100 trees, 256 samples)', 1, () =>
    new IsolationForest({ seed: seed++ }).fit(train1),
  ),
  measure('fit 5-D (100 trees, 256 samples)', 1, () => new IsolationForest({ seed: seed++ }).fit(trainRows5)),
];
const forest1 = new IsolationForest({ seed: 1 }).fit(train1);
const forest5 = new IsolationForest({ seed: 1 }).fit(trainRows5);
ours.push(
  measure('score univariate, 1e5 points', 1e5, () => forest1.score(points1e5)),
  measure('score univariate, 1e6 points', 1e6, () => forest1.score(points1e6)),
  measure('scoreOne univariate, 1e5 calls', 1e5, () => {
    let sum = 0;
    for (let i = 0; i < 1e5; i++) sum += forest1.scoreOne(points1e5[i]!);
    return sum;
  }),
  measure('score 5-D, 1e5 rows', 1e5, () => forest5.score(scoreRows5)),
);
const units = ['fits', 'fits', 'points', 'points', 'points', 'rows'];
for (const [i, t] of ours.entries()) report(t, units[i]!);
process.stdout.write(
  `univariate forest: ${forest1.nodeCount} nodes, ${forest1.breakpointCount} breakpoints, ` +
    `${(forest1.byteLength / 1024).toFixed(1)} KiB typed arrays, ` +
    `toJSON ${JSON.stringify(forest1).length} chars\n`,
);

const sklearn = timeSklearn();
if (sklearn !== null) {
  const names = [
    'fit univariate',
    'fit 5-D',
    'score univariate 1e5',
    'score univariate 1e6',
    null,
    'score 5-D 1e5',
  ];
  for (const [i, name] of names.entries()) {
    if (name === null) continue;
    const theirs = sklearn[name]!;
    const mine = ours[i]!;
    report(
      { name: `scikit-learn ${name}`, perSecond: theirs.perSecond, msPerCall: theirs.msPerCall },
      units[i]!,
    );
    process.stdout.write(`  ours / scikit-learn: ${(mine.perSecond / theirs.perSecond).toFixed(1)}x\n`);
  }
}

/**
 * Times scikit-learn on the same arrays (passed as raw float64 files); null with a message when unavailable
 * or when the bench runs with --no-sklearn (it takes about half a minute of CPU).
 */
function timeSklearn(): Record<string, Throughput> | null {
  if (process.argv.includes('--no-sklearn')) {
    process.stdout.write('scikit-learn comparison skipped: --no-sklearn\n');
    return null;
  }
  if (!existsSync(PYTHON)) {
    process.stdout.write(`scikit-learn comparison skipped: ${PYTHON} not found\n`);
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'forest-bench-'));
  try {
    const files = { train1, points1e6, train5, rows5 };
    for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, `${name}.f64`), data);
    const result = spawnSync(PYTHON, ['-c', SKLEARN_SCRIPT, dir, String(DIMS)], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (result.status !== 0) {
      process.stdout.write(
        `scikit-learn comparison skipped: ${(result.stderr || String(result.error)).trim()}\n`,
      );
      return null;
    }
    return JSON.parse(result.stdout) as Record<string, Throughput>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
