/** Validation of forest input and its conversion to row-major rows. */
import { InvalidInputError } from '../errors.js';
import type { Rows } from './isolation-tree.js';

/** One value per row: a univariate series. */
export type UnivariateInput = ArrayLike<number>;
/** One array of features per row, all of the same length. */
export type MultivariateInput = ArrayLike<ArrayLike<number>>;
export type ForestInput = UnivariateInput | MultivariateInput;

/** True when `input` holds plain numbers (univariate) rather than rows; decided by its first entry. */
export function isUnivariate(input: ForestInput): input is UnivariateInput {
  return typeof input[0] === 'number';
}

/**
 * Checks `input` (non-empty; finite numbers; rows all of one length, equal to `dims` when given) and copies
 * it into row-major rows.
 * @throws {InvalidInputError} naming `argument` and the offending index.
 */
export function toRows(argument: string, input: ForestInput, dims?: number): Rows {
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
