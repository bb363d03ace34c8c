/** Test support for the statistics modules: reference fixtures and tolerance checks. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** Reads a JSON fixture of this package's `test/fixtures/`. */
export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** Asserts |actual − expected| ≤ rel·|expected| + abs, with both values in the failure message. */
export function expectClose(actual: number, expected: number, rel: number, abs = 0, label = ''): void {
  const tolerance = rel * Math.abs(expected) + abs;
  const ok = actual === expected || Math.abs(actual - expected) <= tolerance;
  expect(ok, `${label} ${actual} vs ${expected} (tolerance ${tolerance})`).toBe(true);
}
