/**
 * Where a JSON text holds a key that could reach an object's prototype (`__proto__`, or `prototype` under
 * `constructor`), which secure-json-parse refuses without saying where. Used on that error path only, so a 400
 * names the field (`variables.__proto__`) instead of calling the whole body invalid.
 */
import { badRequest, type ExecutorError } from '../errors.js';

/** The path of the first such key in `text` (valid JSON), or undefined when it has none. */
export function forbiddenKeyPath(text: string): string | undefined {
  // JSON.parse makes `__proto__` an own property: the walk below sees it without anything being polluted.
  return find(JSON.parse(text), '');
}

function find(value: unknown, path: string): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const entries = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v] as const) : Object.entries(value);
  for (const [key, item] of entries) {
    const at = Array.isArray(value) ? `${path}${key}` : path ? `${path}.${key}` : key;
    if (key === '__proto__') return at;
    if (key === 'constructor' && item !== null && typeof item === 'object' && 'prototype' in item) {
      return `${at}.prototype`;
    }
    const found = find(item, at);
    if (found) return found;
  }
  return undefined;
}

/** The 400 naming a prototype key of `text`, or undefined when it has none (or is not JSON at all). */
export function forbiddenKeyError(text: string): ExecutorError | undefined {
  let path: string | undefined;
  try {
    path = forbiddenKeyPath(text);
  } catch {
    return undefined;
  }
  return path === undefined
    ? undefined
    : badRequest(path, 'a name that could reach an object prototype is not allowed');
}
