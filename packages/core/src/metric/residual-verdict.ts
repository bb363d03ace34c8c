/**
 * Verdicts on residuals (observed minus expected, in log space), shared by the metric models: each row is judged
 * on its own residual, so an anomaly flags its rows and not its neighbours.
 *
 * A residual series r with robust scale s (1.4826 x the median absolute deviation, which a few anomalous rows
 * do not inflate) flags row t when
 *   point      |r(t)| > K s                                   (a spike, a dip, an outage)
 *   sustained  |mean of r over L rows containing t| > K_S s sqrt(v / L), and r(t) has the mean's sign and is at
 *              least half a scale away from 0                 (a level shift too small for any single row)
 * where v = (1 + ρ) / (1 - ρ) corrects the variance of a mean for the residuals' lag-1 autocorrelation ρ (bursty
 * traffic), and K, K_S grow as sensitivity falls: K = POINT_Z * 0.95 / sensitivity (0.95 is the default).
 * score(t) = the larger of |r| / (K s) and the sustained statistic over K_S: > 1 exactly when flagged.
 */
import { medianInPlace } from '../stats/sens-slope.js';

/** Point threshold, in robust standard deviations, at the default sensitivity. */
export const POINT_Z = 6;
/** Sustained threshold, in standard errors of a window's mean, at the default sensitivity. */
export const SUSTAINED_Z = 6;
export const DEFAULT_SENSITIVITY = 0.95;
/** A scale below this (a constant series) is raised to it, so rounding never flags. */
const MIN_SCALE = 1e-6;
/** Residuals clipped to this many scales when estimating the autocorrelation, so anomalies do not dominate it. */
const CLIP_Z = 3;

export interface ResidualVerdict {
  /** Per row: > 1 when flagged. */
  score: Float64Array;
}

/** 1.4826 x median |r - median r|: the standard deviation of normal residuals, unmoved by a few outliers. */
export function robustScale(residual: ArrayLike<number>): number {
  // One copy serves both medians: a median does not depend on the order of the values, so the deviations are
  // taken in the order the first selection left them.
  const values = Float64Array.from(residual);
  const center = medianInPlace(values, values.length);
  for (let i = 0; i < values.length; i++) values[i] = Math.abs(values[i]! - center);
  return Math.max(MIN_SCALE, 1.4826 * medianInPlace(values, values.length));
}

/**
 * @param z residuals in units of their scale (r / s, the scale may differ per row).
 * @param window L, the rows a sustained deviation is averaged over (>= 2; 1 disables the rule).
 * @param pointZ K at the default sensitivity.
 * @param edge rows at either end judged by the point rule only: there the baseline is extrapolated, and a slight
 *   bend of it would read as a sustained deviation.
 */
export function judgeResiduals(
  z: Float64Array,
  window: number,
  sensitivity: number,
  pointZ = POINT_Z,
  edge = 0,
): ResidualVerdict {
  const n = z.length;
  const score = new Float64Array(n);
  if (sensitivity <= 0) return { score };
  const pointBar = pointThreshold(sensitivity, pointZ);
  for (let t = 0; t < n; t++) score[t] = Math.abs(z[t]!) / pointBar;
  const length = Math.min(window, n);
  if (length < 2) return { score };
  const meanBar = ((SUSTAINED_Z * DEFAULT_SENSITIVITY) / sensitivity) * Math.sqrt(varianceFactor(z) / length);
  // Rows the point rule flags stay out of the means: an outage must not drag its neighbours' window over the bar.
  const pointFlagged = new Uint8Array(n);
  for (let t = 0; t < n; t++) pointFlagged[t] = +(score[t]! > 1);
  const usable = (t: number) => pointFlagged[t] === 0 && t >= edge && t < n - edge;
  let sum = 0;
  let count = 0;
  for (let t = 0; t < n; t++) {
    if (usable(t)) {
      sum += z[t]!;
      count++;
    }
    const start = t - length + 1;
    if (start < 0) continue;
    const mean = count > 0 ? sum / count : 0;
    const statistic = Math.abs(mean) / meanBar;
    for (let u = start; statistic > 1 && u <= t; u++) {
      if (usable(u) && Math.sign(z[u]!) === Math.sign(mean) && Math.abs(z[u]!) >= 0.5) {
        score[u] = Math.max(score[u]!, statistic);
      }
    }
    if (usable(start)) {
      sum -= z[start]!;
      count--;
    }
  }
  return { score };
}

/** K: the point threshold in scales at this sensitivity, `pointZ` at the default one. */
export function pointThreshold(sensitivity: number, pointZ = POINT_Z): number {
  return (pointZ * DEFAULT_SENSITIVITY) / sensitivity;
}

/**
 * v = (1 + ρ) / (1 - ρ): how much the variance of a mean of autocorrelated residuals exceeds that of independent
 * ones, ρ their lag-1 autocorrelation.
 */
export function varianceFactor(z: Float64Array): number {
  const rho = lagOneCorrelation(z);
  return (1 + rho) / (1 - rho);
}

/** Lag-1 autocorrelation of the clipped residuals, in [0, 0.9]. */
function lagOneCorrelation(residual: Float64Array): number {
  const clip = (r: number) => Math.max(-CLIP_Z, Math.min(CLIP_Z, r));
  let products = 0;
  let squares = 0;
  for (let t = 0; t < residual.length; t++) {
    const r = clip(residual[t]!);
    squares += r * r;
    if (t > 0) products += r * clip(residual[t - 1]!);
  }
  return squares === 0 ? 0 : Math.max(0, Math.min(0.9, products / squares));
}
