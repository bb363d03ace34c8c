/** Validation of forest input and its conversion to row-major rows. */
import { InvalidInputError } from '../errors.js';
import type { Rows } from './isolation-tree.js';

/** One value per row: a univariate series. */
export type UnivariateInput = ArrayLike<number>;
/** One array of features per row, all of the same length. */
export type MultivariateInput = ArrayLike<ArrayLike<number>>;
export type ForestInput = UnivariateInput | MultivariateInput | RowMatrix;

/**
 * Rows checked once and laid out row-major, for callers that fit and score the same rows many times (replicate
 * forests): forests take them as they are, without the check and copy of every call. Forests keep a reference to
 * `data`: do not change it after handing the matrix over.
 */
export class RowMatrix implements Rows {
  private constructor(
    readonly data: Float64Array,
    readonly count: number,
    readonly dims: number,
  ) {}

  /** @throws {InvalidInputError} as `toRows`, naming `argument`. */
  static from(argument: string, input: UnivariateInput | MultivariateInput): RowMatrix {
    const { data, count, dims } = toRows(argument, input);
    return new RowMatrix(data, count, dims);
  }

  /**
   * Row-major `data` of `dims` values per row, taken without a copy.
   * @throws {InvalidInputError} naming `argument`: no rows, a length not a multiple of `dims`, a value not finite.
   */
  static of(argument: string, data: Float64Array, dims: number): RowMatrix {
    if (!(Number.isInteger(dims) && dims >= 1))
      throw new InvalidInputError('dims', 'expected a positive integer');
    const count = data.length / dims;
    if (!(Number.isInteger(count) && count >= 1)) {
      throw new InvalidInputError(
        argument,
        `expected a positive multiple of ${dims} values, got ${data.length}`,
      );
    }
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw notFinite(argument, data[i], Math.floor(i / dims), i % dims);
    }
    return new RowMatrix(data, count, dims);
  }

  /** The rows at `indices`, in that order (at least one). */
  select(indices: ArrayLike<number>): RowMatrix {
    if (indices.length === 0) throw new InvalidInputError('indices', 'needs at least 1 row, got none');
    const { data, dims } = this;
    const out = new Float64Array(indices.length * dims);
    for (let i = 0; i < indices.length; i++) {
      const from = indices[i]!;
      if (!(Number.isInteger(from) && from >= 0 && from < this.count)) {
        throw new InvalidInputError('indices', `row ${String(from)} is not in [0, ${this.count})`);
      }
      out.set(data.subarray(from * dims, (from + 1) * dims), i * dims);
    }
    return new RowMatrix(out, indices.length, dims);
  }
}

/** True when `input` holds plain numbers (univariate) rather than rows; decided by its first entry. */
export function isUnivariate(input: ForestInput): input is UnivariateInput {
  return !(input instanceof RowMatrix) && typeof input[0] === 'number';
}

/**
 * Checks `input` (non-empty; finite numbers; rows all of one length, equal to `dims` when given) and copies
 * it into row-major rows; a RowMatrix (checked already) is returned as it is.
 * @throws {InvalidInputError} naming `argument` and the offending index.
 */
export function toRows(argument: string, input: ForestInput, dims?: number): Rows {
  if (input instanceof RowMatrix) {
    if (dims !== undefined && input.dims !== dims) {
      throw new InvalidInputError(
        argument,
        `expected rows of ${dims} values (the fitted dimension), got ${input.dims}`,
      );
    }
    return input;
  }
  if (input == null || typeof input.length !== 'number') {
    throw new InvalidInputError(argument, 'expected an array of numbers or an array of rows');
  }
  const count = input.length;
  if (count === 0) throw new InvalidInputError(argument, 'needs at least 1 row, got none');
  if (isUnivariate(input)) {
    if (dims !== undefined && dims !== 1) {
      throw new InvalidInputError(
        argument,
        `expected rows of ${dims} values (the fitted dimension), got numbers`,
      );
    }
    const data = new Float64Array(count);
    for (let i = 0; i < count; i++) data[i] = finite(argument, input[i], i);
    return { data, count, dims: 1 };
  }
  const width = dims ?? rowLength(argument, input[0], 0);
  if (width < 1) throw new InvalidInputError(argument, 'rows need at least 1 value, row 0 has none');
  const data = new Float64Array(count * width);
  for (let r = 0; r < count; r++) {
    const row = input[r];
    const length = rowLength(argument, row, r);
    if (length !== width) {
      throw new InvalidInputError(argument, `row ${r} has ${length} values, expected ${width}`);
    }
    for (let f = 0; f < width; f++) data[r * width + f] = finite(argument, row![f], r, f);
  }
  return { data, count, dims: width };
}

/** `value` when it is a finite number. */
export function finite(argument: string, value: unknown, index: number, feature?: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw notFinite(argument, value, index, feature);
  return value;
}

/** The error for a value that is not a finite number, at `[index]` or `[index][feature]` of `argument`. */
export function notFinite(
  argument: string,
  value: unknown,
  index: number,
  feature?: number,
): InvalidInputError {
  const at = feature === undefined ? `${index}` : `${index}][${feature}`;
  return new InvalidInputError(argument, `value at [${at}] is not a finite number (${String(value)})`);
}

function rowLength(argument: string, row: unknown, index: number): number {
  if (row == null || typeof (row as ArrayLike<number>).length !== 'number' || typeof row === 'string') {
    throw new InvalidInputError(argument, `row ${index} is not an array of numbers (${String(row)})`);
  }
  return (row as ArrayLike<number>).length;
}
