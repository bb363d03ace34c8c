/** Euler-Mascheroni constant gamma (numpy's `np.euler_gamma`). */
const EULER_MASCHERONI = 0.5772156649015329;

/**
 * c(n), the average path length of an unsuccessful search in a binary search tree of n keys, which is also
 * the average depth at which an isolation tree isolates a point among n (Liu, Ting & Zhou 2008, eq. 1):
 *
 *   c(n) = 2 H(n - 1) - 2 (n - 1) / n   with the harmonic number H(i) approximated by ln(i) + gamma,
 *   c(2) = 1,   c(n) = 0 for n <= 1.
 *
 * Exactly scikit-learn's `sklearn.ensemble._iforest._average_path_length` (1.2).
 *
 * @example
 * averagePathLength(256); // 10.244770920119917
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_MASCHERONI) - (2 * (n - 1)) / n;
}

/**
 * The isolation forest anomaly score (Liu, Ting & Zhou 2008, eq. 2) s(x, psi) = 2^(-E[h(x)] / c(psi)) in
 * (0, 1], from the mean path length E[h(x)] over the trees and the subsample size psi each tree was grown
 * on. Near 1: anomaly; well below 0.5: normal; about 0.5 everywhere: no distinct anomaly.
 *
 * A forest grown on a single sample has c(1) = 0 and E[h] = 0; like scikit-learn, the ratio is then taken as
 * 1, so the score is 0.5 (nothing can be told apart).
 *
 * @example
 * anomalyScore(averagePathLength(256), 256); // 0.5
 */
export function anomalyScore(meanPathLength: number, subsampleSize: number): number {
  return anomalyScorer(subsampleSize)(meanPathLength);
}

/**
 * `anomalyScore` for one psi, with its constant precomputed: s = exp(E[h] * (-ln 2 / c(psi))), which is
 * 2^(-E[h] / c(psi)) computed with exp, several times faster than pow. Every score in core goes through this
 * one function, so scores computed by different paths from the same E[h] are bitwise equal.
 */
export function anomalyScorer(subsampleSize: number): (meanPathLength: number) => number {
  const c = averagePathLength(subsampleSize);
  if (c === 0) return () => 0.5;
  const scale = -Math.LN2 / c;
  return (meanPathLength) => Math.exp(meanPathLength * scale);
}

/** ln s(x) from E[h(x)]: the logarithm of `anomalyScorer`'s score without computing the score. */
export function logAnomalyScorer(subsampleSize: number): (meanPathLength: number) => number {
  const c = averagePathLength(subsampleSize);
  if (c === 0) return () => -Math.LN2;
  const scale = -Math.LN2 / c;
  return (meanPathLength) => meanPathLength * scale;
}
