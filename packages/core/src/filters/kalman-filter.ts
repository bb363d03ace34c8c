/**
 * A one-dimensional Kalman filter (Kalman 1960) for the random-walk local-level model
 *   state:       x_t = x_{t−1} + w_t,  w_t ~ N(0, q)      (F = 1)
 *   observation: z_t = x_t + v_t,      v_t ~ N(0, r)      (H = 1)
 * the smoother of the reference station detector (q = 0.001, r = 1, x0 = 0, p0 = 1).
 *
 * Every observation is processed as predict, then update:
 *   predict: x⁻ = x,  P⁻ = P + q
 *   update:  S = P⁻ + r (innovation variance),  K = P⁻/S,  x = x⁻ + K(z − x⁻),  P = (1 − K)P⁻ = K·r
 * and the filtered value is the posterior mean x. `K·r` is used for P because it is the same quantity without the
 * cancellation of 1 − K when K is close to 1.
 *
 * Note on pykalman: pykalman treats (x0, p0) as the prior of the first observation itself and skips the first
 * prediction. Since F = 1 leaves x0 unchanged, pykalman's filter with prior variance P0 equals this one with
 * p0 = P0 − q (for P0 ≥ q).
 */
import { assertFiniteArray, InvalidInputError, type NumberArray } from '../errors.js';

export interface KalmanOptions {
  /** Process (random-walk) variance q ≥ 0. @default 0.001 */
  q?: number;
  /** Observation noise variance r > 0. @default 1 */
  r?: number;
  /** Initial state mean. @default 0 */
  x0?: number;
  /** Initial state variance p0 ≥ 0. @default 1 */
  p0?: number;
}

export interface KalmanStep {
  /** Posterior mean after this observation: the filtered value. */
  estimate: number;
  /** z − predicted mean. */
  innovation: number;
  /** Predicted variance of the innovation, P⁻ + r; innovation/√innovationVariance is a z-score. */
  innovationVariance: number;
}

/** Serialised filter: parameters and the current posterior (mean x, variance p). */
export interface KalmanFilterState {
  formatVersion: 1;
  q: number;
  r: number;
  x: number;
  p: number;
}

const FORMAT_VERSION = 1;

function checkParameter(name: string, value: unknown, minimum: number, strict: boolean): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < minimum ||
    (strict && value === minimum)
  ) {
    throw new InvalidInputError(
      name,
      `must be a finite number ${strict ? '>' : '>='} ${minimum}, got ${String(value)}`,
    );
  }
  return value;
}

/** Streaming filter: one `update` per observation, state serialisable at any point. O(1) per update. */
export class KalmanFilter {
  readonly q: number;
  readonly r: number;
  private x: number;
  private p: number;

  /** @throws {InvalidInputError} naming the option that is out of range. */
  constructor(options: KalmanOptions = {}) {
    const { q = 0.001, r = 1, x0 = 0, p0 = 1 } = options;
    this.q = checkParameter('q', q, 0, false);
    this.r = checkParameter('r', r, 0, true);
    this.x = checkParameter('x0', x0, Number.NEGATIVE_INFINITY, false);
    this.p = checkParameter('p0', p0, 0, false);
  }

  /** Current posterior mean (x0 before any update). */
  get estimate(): number {
    return this.x;
  }

  /** Current posterior variance (p0 before any update). */
  get variance(): number {
    return this.p;
  }

  /**
   * Predicts, then updates with observation `z`.
   * @throws {InvalidInputError} naming `z` when it is not a finite number (the state is left unchanged).
   */
  update(z: number): KalmanStep {
    if (typeof z !== 'number' || !Number.isFinite(z)) {
      throw new InvalidInputError('z', `must be a finite number, got ${String(z)}`);
    }
    const predictedVariance = this.p + this.q;
    const innovation = z - this.x;
    this.advance(z);
    return { estimate: this.x, innovation, innovationVariance: predictedVariance + this.r };
  }

  /**
   * Feeds a batch of observations, continuing from the current state; returns the posterior mean after each.
   * Allocation-free per point (the batch form of `update`). O(n).
   * @throws {InvalidInputError} naming `x` when it is empty or holds a non-finite value (the state is unchanged).
   */
  filter(x: NumberArray): Float64Array {
    assertFiniteArray('x', x);
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) out[i] = this.advance(x[i]!);
    return out;
  }

  /** The recursion itself (module comment) on a validated observation; returns the new posterior mean. */
  private advance(z: number): number {
    const predictedVariance = this.p + this.q;
    const gain = predictedVariance / (predictedVariance + this.r);
    this.x += gain * (z - this.x);
    this.p = gain * this.r;
    return this.x;
  }

  toJSON(): KalmanFilterState {
    return { formatVersion: FORMAT_VERSION, q: this.q, r: this.r, x: this.x, p: this.p };
  }

  /**
   * Restores a filter from `toJSON()` output; it continues exactly where the serialised one stood.
   * @throws {InvalidInputError} naming the field that is missing or out of range.
   */
  static fromJSON(state: KalmanFilterState): KalmanFilter {
    if (state == null || typeof state !== 'object')
      throw new InvalidInputError('state', 'expected an object');
    if (state.formatVersion !== FORMAT_VERSION) {
      throw new InvalidInputError('formatVersion', `unsupported version ${String(state.formatVersion)}`);
    }
    return new KalmanFilter({ q: state.q, r: state.r, x0: state.x, p0: state.p });
  }
}

/**
 * Filters a whole series: the posterior mean after each observation (same length as `x`).
 * Complexity O(n).
 * @throws {InvalidInputError} naming `x` when it is empty or non-finite, or the option that is out of range.
 * @example kalmanFilter([1, 1, 1]) // Float64Array [0.5002498750624688, 0.6671106301229593, 0.7506238145901468]
 */
export function kalmanFilter(x: NumberArray, options: KalmanOptions = {}): Float64Array {
  return new KalmanFilter(options).filter(x);
}
