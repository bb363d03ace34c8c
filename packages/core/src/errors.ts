/**
 * Thrown by every core function whose input breaks a precondition (empty, too short, non-finite, mismatched
 * lengths, out-of-range option). `argument` names the offending argument so services can map it to a 4xx that
 * names the field.
 */
export class InvalidInputError extends RangeError {
  override readonly name = 'InvalidInputError';
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
  }
}

/** Numeric sequences the core accepts. */
export type NumberArray = ArrayLike<number>;

/**
 * Asserts that `values` holds at least `minLength` finite numbers.
 * @throws {InvalidInputError} naming `argument` when it does not.
 */
export function assertFiniteArray(argument: string, values: NumberArray, minLength = 1): void {
  if (values == null || typeof values.length !== 'number') {
    throw new InvalidInputError(argument, 'expected an array of numbers');
  }
  if (values.length < minLength) {
    throw new InvalidInputError(argument, `needs at least ${minLength} values, got ${values.length}`);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidInputError(argument, `value at index ${i} is not a finite number (${String(v)})`);
    }
  }
}
