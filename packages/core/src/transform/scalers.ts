/**
 * Invertible scalers for one variable: min-max (fitted) and log-tanh (fixed), each serialisable so a trained model
 * can de-scale its outputs exactly as it scaled its inputs.
 */
import { assertFiniteArray, InvalidInputError, type NumberArray } from '../errors.js';

export type ScalerState = MinMaxScalerState | LogTanhScalerState;

export interface Scaler {
  /** Scales every value. @throws {InvalidInputError} naming `values` for values outside the domain. */
  transform(values: NumberArray): Float64Array;
  /** Maps scaled values back to the original units. */
  inverse(values: NumberArray): Float64Array;
  toJSON(): ScalerState;
}

export interface MinMaxScalerState {
  kind: 'min-max';
  formatVersion: 1;
  min: number;
  max: number;
  /** Target interval [low, high]. */
  range: [number, number];
}

export interface LogTanhScalerState {
  kind: 'log-tanh';
  formatVersion: 1;
  divisor: number;
}

const FORMAT_VERSION = 1;

function checkFinite(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidInputError(name, `must be a finite number, got ${String(value)}`);
  }
  return value;
}

function checkVersion(state: { formatVersion?: unknown } | null | undefined): void {
  if (state == null || typeof state !== 'object') throw new InvalidInputError('state', 'expected an object');
  if (state.formatVersion !== FORMAT_VERSION) {
    throw new InvalidInputError('formatVersion', `unsupported version ${String(state.formatVersion)}`);
  }
}

/**
 * Min-max scaling to [low, high] (scikit-learn's MinMaxScaler): y = low + (x − min)·(high − low)/(max − min).
 * A constant training sample (max = min) maps every value v to low + (v − min), scikit-learn's convention of a
 * unit scale, rather than dividing by zero. Values outside the fitted range map outside [low, high].
 */
export class MinMaxScaler implements Scaler {
  private constructor(
    readonly min: number,
    readonly max: number,
    readonly range: readonly [number, number],
  ) {}

  /**
   * Fits the scaler on `values`. O(n).
   * @throws {InvalidInputError} naming `values` when empty or non-finite, or `range` unless low < high.
   * @example MinMaxScaler.fit([2, 4, 6]).transform([4, 8]) // Float64Array [0.5, 1.5]
   */
  static fit(values: NumberArray, range: [number, number] = [0, 1]): MinMaxScaler {
    assertFiniteArray('values', values);
    let min = values[0]!;
    let max = values[0]!;
    for (let i = 1; i < values.length; i++) {
      const v = values[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return MinMaxScaler.create(min, max, range);
  }

  /** @throws {InvalidInputError} naming the field that is missing or out of range. */
  static fromJSON(state: MinMaxScalerState): MinMaxScaler {
    checkVersion(state);
    if (!Array.isArray(state.range)) throw new InvalidInputError('range', 'expected [low, high]');
    return MinMaxScaler.create(checkFinite('min', state.min), checkFinite('max', state.max), state.range);
  }

  private static create(min: number, max: number, range: [number, number]): MinMaxScaler {
    const low = checkFinite('range', range[0]);
    const high = checkFinite('range', range[1]);
    if (!(low < high)) throw new InvalidInputError('range', `needs low < high, got [${low}, ${high}]`);
    if (max < min) throw new InvalidInputError('max', `must be >= min (${min}), got ${max}`);
    return new MinMaxScaler(min, max, [low, high]);
  }

  /** Output units per input unit: (high − low)/(max − min), or 1 for a constant training sample. */
  private get scale(): number {
    return this.max > this.min ? (this.range[1] - this.range[0]) / (this.max - this.min) : 1;
  }

  transform(values: NumberArray): Float64Array {
    assertFiniteArray('values', values, 0);
    const { scale, min } = this;
    const low = this.range[0];
    const out = new Float64Array(values.length);
    for (let i = 0; i < out.length; i++) out[i] = low + (values[i]! - min) * scale;
    return out;
  }

  inverse(values: NumberArray): Float64Array {
    assertFiniteArray('values', values, 0);
    const { scale, min } = this;
    const low = this.range[0];
    const out = new Float64Array(values.length);
    for (let i = 0; i < out.length; i++) out[i] = min + (values[i]! - low) / scale;
    return out;
  }

  toJSON(): MinMaxScalerState {
    return {
      kind: 'min-max',
      formatVersion: FORMAT_VERSION,
      min: this.min,
      max: this.max,
      range: [...this.range],
    };
  }
}

/** The largest double below 1: tanh never reaches ±1, so inverse() treats anything beyond as this bound. */
const BELOW_ONE = 1 - 2 ** -53;

/**
 * The reference traffic service's scaling y = tanh(log1p(x)/d) with d = 32: it compresses counts spanning many
 * orders of magnitude (bytes, packets) into [0, 1) for x ≥ 0, nearly linearly in log(x) over the useful range.
 * Inverse x = expm1(d·atanh(y)). Nothing is fitted.
 *
 * Domain: transform needs x > −1 (where log1p is defined). inverse accepts any finite y: values at or beyond ±1
 * (a saturated reconstruction, e.g. a float32 sigmoid that rounded to 1) are clamped to the largest magnitude
 * below 1, and results are capped at Number.MAX_VALUE (they are > −1 anyway), so a reconstruction never
 * de-scales to ∞ or NaN.
 */
export class LogTanhScaler implements Scaler {
  readonly divisor: number;

  /**
   * @throws {InvalidInputError} naming `divisor` unless it is a finite number > 0.
   * @example new LogTanhScaler().transform([0, Math.expm1(32)]) // Float64Array [0, 0.7615941559557649]
   */
  constructor(options: { divisor?: number } = {}) {
    const divisor = checkFinite('divisor', options.divisor ?? 32);
    if (divisor <= 0) throw new InvalidInputError('divisor', `must be > 0, got ${divisor}`);
    this.divisor = divisor;
  }

  /** @throws {InvalidInputError} naming the field that is missing or out of range. */
  static fromJSON(state: LogTanhScalerState): LogTanhScaler {
    checkVersion(state);
    return new LogTanhScaler({ divisor: state.divisor });
  }

  transform(values: NumberArray): Float64Array {
    assertFiniteArray('values', values, 0);
    const out = new Float64Array(values.length);
    for (let i = 0; i < out.length; i++) {
      const v = values[i]!;
      if (!(v > -1)) throw new InvalidInputError('values', `value at index ${i} must be > -1, got ${v}`);
      out[i] = Math.tanh(Math.log1p(v) / this.divisor);
    }
    return out;
  }

  inverse(values: NumberArray): Float64Array {
    assertFiniteArray('values', values, 0);
    const out = new Float64Array(values.length);
    for (let i = 0; i < out.length; i++) {
      const y = Math.min(BELOW_ONE, Math.max(-BELOW_ONE, values[i]!));
      out[i] = Math.min(Number.MAX_VALUE, Math.expm1(this.divisor * Math.atanh(y)));
    }
    return out;
  }

  toJSON(): LogTanhScalerState {
    return { kind: 'log-tanh', formatVersion: FORMAT_VERSION, divisor: this.divisor };
  }
}

/**
 * Restores either scaler from its `toJSON()` output.
 * @throws {InvalidInputError} naming `kind` when it is unknown, or the field that is out of range.
 */
export function scalerFromJSON(state: ScalerState): Scaler {
  switch (state?.kind) {
    case 'min-max':
      return MinMaxScaler.fromJSON(state);
    case 'log-tanh':
      return LogTanhScaler.fromJSON(state);
    default:
      throw new InvalidInputError(
        'kind',
        `unknown scaler kind ${String((state as { kind?: unknown })?.kind)}`,
      );
  }
}
