/**
 * `Float64Array.from(values, f)` as a plain loop, for hot paths: V8 runs that builtin, given a map function, through
 * the iterator protocol and calls `f` from native code, several times slower than this loop, where the optimiser
 * can inline `f`.
 */
export function mapToFloat64<T>(values: ArrayLike<T>, f: (value: T, index: number) => number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = f(values[i]!, i);
  return out;
}
