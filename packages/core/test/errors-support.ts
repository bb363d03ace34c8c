/** Test support: what an InvalidInputError names. */
import { expect } from 'vitest';
import { InvalidInputError } from '../src/errors.js';

/** The argument named by the InvalidInputError that `call` must throw. */
export function invalidArgumentOf(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as InvalidInputError).argument;
  }
  throw new Error('did not throw');
}
