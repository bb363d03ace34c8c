/**
 * The standard normal distribution to full double precision (relative error within a few ulps, checked against
 * mpmath in normal.test.ts), built on the complementary error function.
 *
 * erfc is evaluated three ways, each free of cancellation in its range:
 * - x < 1/2: erf(x) = (2/√π) e^(-x²) Σ_{n≥0} 2^n x^(2n+1) / (1·3·…·(2n+1)) (Abramowitz & Stegun 7.1.6), a series
 *   of positive terms, then erfc = 1 − erf (erfc > 0.47 here, so nothing cancels);
 * - 1/2 ≤ x ≤ 4: e^(-x²) times Cody's rational function (see RATIONAL_LIMIT), the range the anomaly likelihood
 *   calls most, where the continued fraction below is longest;
 * - x > 4: erfc(x) = Γ(1/2, x²)/√π with Legendre's continued fraction for the upper incomplete gamma function
 *   (A&S 6.5.31), evaluated backwards from a depth that grows as 1/x², which is stabler than forward (Lentz)
 *   evaluation: each step damps the error of the previous one.
 * The factor e^(-x²) is formed as e^(-h²)·e^(-(x−h)(x+h)) with h = x rounded to single precision, so h² is exact;
 * the normal tails form e^(-z²/2) the same way from z itself, so the rounding of z/√2 costs nothing in the far
 * tail (it would otherwise cost a relative z²·2^-53).
 */
import { InvalidInputError } from '../errors.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** Below this erfc is computed as 1 − erf; above it by the rational function, then the continued fraction. */
const SERIES_LIMIT = 0.5;
/**
 * Up to here (from SERIES_LIMIT) erfc(x) = e^(-x²) P(x)/Q(x) with Cody's degree-8 rational Chebyshev
 * approximation (W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23, 1969;
 * the coefficients of his 0.46875 ≤ x ≤ 4 interval, as in SPECFUN's CALERF): 17 multiply-adds where the continued
 * fraction needs 37 to 510 steps (at x = 0.5). Checked against mpmath like the rest.
 */
const RATIONAL_LIMIT = 4;
// Cody's 20-digit coefficients, written as the doubles they round to.
const CODY_P = [
  1230.3393547979972, 2051.0783778260716, 1712.0476126340707, 881.952221241769, 298.6351381974001,
  66.11919063714163, 8.883149794388377, 0.5641884969886701, 2.1531153547440383e-8,
];
const CODY_Q = [
  1230.3393548037495, 3439.3676741437216, 4362.619090143247, 3290.7992357334597, 1621.3895745666903,
  537.1811018620099, 117.6939508913125, 15.744926110709835, 1,
];
/**
 * Depth of the continued fraction at x: 120/x² + 30 terms. Measured against mpmath, the truncation error is
 * below 2e-16 from 100/x² terms for x in [0.5, 1.25] and from 50 terms beyond; the margin is cheap.
 */
const fractionDepth = (x: number) => Math.ceil(120 / (x * x)) + 30;

/** e^(-s·v²) for s in {1, 1/2}, with v² formed exactly (see the module comment). */
function gaussian(v: number, s: number): number {
  const h = Math.fround(v);
  return Math.exp(-s * h * h) * Math.exp(-s * (v - h) * (v + h));
}

/** erfc(x) for x ≥ 0, given g = e^(-x²) formed accurately by the caller. */
function erfcNonNegative(x: number, g: number): number {
  if (g === 0) return 0; // beyond x ≈ 27.3 erfc is below the smallest subnormal
  if (x < SERIES_LIMIT) {
    const twoX2 = 2 * x * x;
    let term = x;
    let sum = x;
    for (let n = 1; term > sum * Number.EPSILON; n++) {
      term *= twoX2 / (2 * n + 1);
      sum += term;
    }
    return 1 - TWO_OVER_SQRT_PI * g * sum;
  }
  if (x <= RATIONAL_LIMIT) {
    // Cody's rational function in powers of x, by Horner's rule.
    let p = CODY_P[8]!;
    let q = CODY_Q[8]!;
    for (let i = 7; i >= 0; i--) {
      p = p * x + CODY_P[i]!;
      q = q * x + CODY_Q[i]!;
    }
    return (g * p) / q;
  }
  // Γ(1/2, z) = e^(-z) √z / (b_0 + a_1/(b_1 + a_2/(b_2 + …))), b_i = z + 2i + 1/2, a_i = −i(i − 1/2), z = x².
  const z = x * x;
  const depth = fractionDepth(x);
  let tail = z + 2 * depth + 0.5;
  for (let i = depth; i >= 1; i--) tail = z + 2 * i - 1.5 - (i * (i - 0.5)) / tail;
  return (ONE_OVER_SQRT_PI * g * x) / tail;
}

/**
 * The complementary error function erfc(x) = (2/√π) ∫_x^∞ e^(-t²) dt, to a few ulps over the whole double range,
 * subnormal results included. O(1): at most ~510 steps of a continued fraction.
 * @example erfc(1) // 0.15729920705028513
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const a = Math.abs(x);
  const upper = erfcNonNegative(a, gaussian(a, 1));
  return x < 0 ? 2 - upper : upper;
}

/** Standard normal density φ(z) = e^(-z²/2)/√(2π). */
export function normalPdf(z: number): number {
  return ONE_OVER_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/**
 * Standard normal CDF Φ(z) = erfc(−z/√2)/2, accurate in relative terms in the lower tail (scipy.special.ndtr).
 * @example normalCdf(-1.959963984540054) // 0.025
 */
export function normalCdf(z: number): number {
  return normalSf(-z);
}

/**
 * Standard normal survival function 1 − Φ(z) = erfc(z/√2)/2, accurate in relative terms in the upper tail where
 * `1 - normalCdf(z)` would cancel (scipy.stats.norm.sf).
 * @example normalSf(10) // 7.619853024160525e-24
 */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const a = Math.abs(z);
  const upper = 0.5 * erfcNonNegative(a * Math.SQRT1_2, gaussian(a, 0.5));
  return z < 0 ? 1 - upper : upper;
}

/** Φ⁻¹(p) for p ≤ 1/2: the A&S 26.2.23 rational guess (error < 4.5e-4), polished by Halley steps on Φ. */
function lowerQuantile(p: number): number {
  const t = Math.sqrt(-2 * Math.log(p));
  let x = -(
    t -
    (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308)))
  );
  for (let i = 0; i < 20; i++) {
    const density = normalPdf(x);
    if (density === 0) break;
    const ratio = (normalCdf(x) - p) / density;
    // Halley's step for Φ(x) = p: Φ'' = −xφ.
    const step = ratio / (1 + 0.5 * x * ratio);
    x -= step;
    if (Math.abs(step) <= 2 * Number.EPSILON * Math.abs(x)) break;
  }
  return x;
}

/**
 * Standard normal quantile Φ⁻¹(p) (scipy.stats.norm.ppf), to a few ulps; O(1) (a handful of erfc calls).
 * For p > 1/2 it returns −Φ⁻¹(1 − p), where 1 − p is exact (Sterbenz), so `normalQuantile(1 - alpha / 2)` is as
 * accurate as the double `1 - alpha / 2` allows.
 * @throws {InvalidInputError} unless 0 < p < 1.
 * @example normalQuantile(0.975) // 1.9599639845400538 (correctly rounded; scipy's ppf is one ulp above)
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1))
    throw new InvalidInputError('p', `must be a probability strictly between 0 and 1, got ${p}`);
  if (p === 0.5) return 0;
  return p > 0.5 ? -lowerQuantile(1 - p) : lowerQuantile(p);
}
