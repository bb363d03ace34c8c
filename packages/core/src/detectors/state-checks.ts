import { InvalidInputError } from '../errors.js';

/**
 * Shape checks for detector states read back from storage: a state that fails them was not written by this
 * version (or was damaged), and restoring it must fail with an InvalidInputError naming `state`, never later
 * with a NaN in the arithmetic.
 */

export function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** A non-negative integer (a count or an index). */
export function isCount(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 0;
}

export function isNumberArray(x: unknown, length?: number): x is number[] {
  return (
    Array.isArray(x) && (length === undefined || x.length === length) && x.every((v) => isFiniteNumber(v))
  );
}

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Throws the error every restore raises for a state it cannot read; `what` names the part. */
export function malformed(what: string): never {
  throw new InvalidInputError('state', `malformed ${what} state`);
}
