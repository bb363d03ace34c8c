/**
 * Throughput of the drift-test statistics on the window sizes the station detector uses: Mann-Kendall (original
 * and Yue-Wang, each including Sen's slope) on 64, 256 and 1024 points, Wilcoxon signed-rank (zsplit, two-sided)
 * on 256 pairs, and the Kalman filter over 1e6 points. Target: Yue-Wang on 256 points under 1 ms per call.
 */
import { kalmanFilter } from '../src/filters/kalman-filter.js';
import { Random } from '../src/random.js';
import { mannKendall } from '../src/stats/mann-kendall.js';
import { wilcoxon } from '../src/stats/wilcoxon.js';
import { measure, report } from './measure.js';

const rng = new Random(20240611);
/** An AR(1) series (φ = 0.6) with a slight trend: autocorrelated like station data, so Yue-Wang has work to do. */
function stationLike(n: number): Float64Array {
  const x = new Float64Array(n);
  for (let i = 1; i < n; i++) x[i] = 0.6 * x[i - 1]! + rng.normal() + 0.002;
  return x;
}

for (const n of [64, 256, 1024]) {
  const x = stationLike(n);
  report(
    measure(`mannKendall original, n=${n}`, 1, () => mannKendall(x)),
    'windows',
  );
  report(
    measure(`mannKendall yue-wang, n=${n}`, 1, () => mannKendall(x, { method: 'yue-wang' })),
    'windows',
  );
}

const current = stationLike(256);
const reference = stationLike(256);
report(
  measure('wilcoxon zsplit two-sided, n=256', 1, () =>
    wilcoxon(current, reference, { zeroMethod: 'zsplit' }),
  ),
  'windows',
);

const long = stationLike(1e6);
report(
  measure('kalmanFilter, 1e6 points', 1e6, () => kalmanFilter(long)),
  'points',
);
