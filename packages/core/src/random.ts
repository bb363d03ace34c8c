/**
 * Seeded pseudo-random numbers for everything in core (core never calls Math.random, so every result is
 * reproducible from its seed).
 *
 * Generator: xoshiro128** 1.1 (Blackman & Vigna, "Scrambled linear pseudorandom number generators", ACM TOMS
 * 2021, https://prng.di.unimi.it/xoshiro128starstar.c): 128-bit state, period 2^128 - 1, passes BigCrush, and
 * needs only 32-bit integer operations, which V8 runs natively. The state words are avalanche hashes
 * (MurmurHash3's fmix32) of the whole seed, so nearby seeds give unrelated streams.
 */
import { InvalidInputError } from './errors.js';

const TWO_POW_32 = 4294967296;
/** 2^32 / golden ratio (Weyl increment): spreads the word index over all bits before hashing. */
const GOLDEN_RATIO_32 = 0x9e3779b9;
/** 2^-53: turns a 53-bit integer into a double in [0, 1) with every bit of the mantissa random. */
const TWO_POW_MINUS_53 = 1 / 9007199254740992;
/** Above this many candidates, `sample` tracks swaps in a Map instead of a dense array (O(k) memory). */
const DENSE_SAMPLE_LIMIT = 1 << 16;
/**
 * `sample`'s working arrays, kept between calls (allocating them cost more than the shuffle). JavaScript runs one
 * call at a time per thread, and nothing in a call can re-enter it.
 */
const scratch = { pool: new Int32Array(0), draws: new Float64Array(0) };

/** MurmurHash3's 32-bit finaliser (Appleby, fmix32): a bijective avalanche mix of 32 bits. */
function fmix32(state: number): number {
  let z = state | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Seeded generator. Integer seeds up to 2^53 in magnitude use all their bits; `stream` (32-bit) selects an
 * independent sequence for the same seed (e.g. one stream to subsample data and another to grow trees).
 *
 * @example
 * const a = new Random(42);
 * const b = new Random(42);
 * a.float() === b.float(); // true
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** @throws {InvalidInputError} `seed` or `stream` when not a safe integer. */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed))
      throw new InvalidInputError('seed', `expected a safe integer, got ${seed}`);
    if (!Number.isSafeInteger(stream)) {
      throw new InvalidInputError('stream', `expected a safe integer, got ${stream}`);
    }
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    // Every state word hashes all of (seed, stream), so seeds differing in one bit give unrelated streams.
    const word = (i: number): number =>
      fmix32(fmix32(fmix32(low + Math.imul(i, GOLDEN_RATIO_32)) ^ high) ^ stream) | 0;
    this.s0 = word(1);
    this.s1 = word(2);
    this.s2 = word(3);
    this.s3 = word(4);
    // xoshiro must not start from the all-zero state.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32 random bits as an unsigned integer in [0, 2^32). */
  uint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  float(): number {
    const high = this.uint32() >>> 5; // 27 bits
    const low = this.uint32() >>> 6; // 26 bits
    return (high * 67108864 + low) * TWO_POW_MINUS_53;
  }

  /**
   * Fills `out` with the next `out.length` values of `float()`: the same numbers, in order, as that many calls,
   * but 2-3x faster for bulk use. The state words do not always fit V8's small integers, so every store of
   * them into the object boxes a number; here they stay in local 32-bit integers and are stored once.
   */
  floats(out: Float64Array): void {
    let s0 = this.s0 | 0;
    let s1 = this.s1 | 0;
    let s2 = this.s2 | 0;
    let s3 = this.s3 | 0;
    for (let i = 0; i < out.length; i++) {
      // Two steps of `uint32`, unrolled, as float() draws them: 27 high bits, then 26 low bits.
      let word = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
      let t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      const high = word >>> 5;
      word = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
      t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
      out[i] = (high * 67108864 + (word >>> 6)) * TWO_POW_MINUS_53;
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /**
   * Uniform integer in [0, n). The bias of scaling a 53-bit float is below n / 2^53, negligible for any n
   * used here.
   * @throws {InvalidInputError} `n` when not a positive safe integer.
   */
  int(n: number): number {
    if (!(Number.isSafeInteger(n) && n > 0))
      throw new InvalidInputError('n', `expected a positive integer, got ${n}`);
    return Math.floor(this.float() * n);
  }

  /**
   * Uniform integer in [min, max], both ends included.
   * @throws {InvalidInputError} `min`/`max` when not safe integers with min <= max.
   */
  intBetween(min: number, max: number): number {
    if (!Number.isSafeInteger(min)) throw new InvalidInputError('min', `expected a safe integer, got ${min}`);
    if (!(Number.isSafeInteger(max) && max >= min)) {
      throw new InvalidInputError('max', `expected a safe integer >= min (${min}), got ${max}`);
    }
    return min + this.int(max - min + 1);
  }

  /** Standard normal deviate times `sd` plus `mean` (Box-Muller transform, one value per call). */
  normal(mean = 0, sd = 1): number {
    // 1 - float() lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.float()));
    return mean + sd * radius * Math.cos(2 * Math.PI * this.float());
  }

  /**
   * `k` distinct indices drawn uniformly from [0, n), in random order (a uniformly random k-permutation):
   * the first k steps of a Fisher-Yates shuffle (Knuth, TAOCP vol. 2, Algorithm 3.4.2 P). For large n the
   * shuffled array is virtual (only displaced entries are stored), so the cost is O(k) time and memory
   * whatever n is.
   *
   * @example
   * new Random(1).sample(10, 3); // e.g. Int32Array [7, 2, 9]
   * @throws {InvalidInputError} `n` or `k` when not integers with 0 <= k <= n < 2^31.
   */
  sample(n: number, k: number): Int32Array {
    checkSampleSize(n, k);
    const out = new Int32Array(k);
    this.shuffleInto(n, out);
    return out;
  }

  /** The first out.length steps of a Fisher-Yates shuffle of [0, n) into `out` (sizes checked by the caller). */
  private shuffleInto(n: number, out: Int32Array): void {
    const k = out.length;
    if (n <= DENSE_SAMPLE_LIMIT) {
      if (scratch.pool.length < n) scratch.pool = new Int32Array(n);
      if (scratch.draws.length < k) scratch.draws = new Float64Array(k);
      const { pool } = scratch;
      for (let i = 0; i < n; i++) pool[i] = i;
      // The same draws as k calls of float(), made in bulk (float() boxes the state words at every call).
      const draws = scratch.draws.subarray(0, k);
      this.floats(draws);
      for (let i = 0; i < k; i++) {
        const j = i + Math.floor(draws[i]! * (n - i));
        const picked = pool[j]!;
        pool[j] = pool[i]!;
        out[i] = picked;
      }
      return;
    }
    // Sparse shuffle: `moved` holds the entries of the virtual identity array that a swap has changed.
    const moved = new Map<number, number>();
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(this.float() * (n - i));
      out[i] = moved.get(j) ?? j;
      moved.set(j, moved.get(i) ?? i);
    }
  }
}

/**
 * Uniform double in [0, 1) addressed by (key, counter) instead of drawn in sequence (counter-based, in the manner
 * of Salmon et al.'s Philox, with MurmurHash3 finalisers as the mix): a draw does not depend on which draws were
 * made before it, so randomness tied to a position (a tree node) stays the same when other positions are skipped.
 * Two hashes of (key, counter) give the 53 bits. `key` and `counter` are 32-bit integers.
 *
 * @example
 * keyedFloat(7, 3) === keyedFloat(7, 3); // true, whatever was drawn in between
 */
export function keyedFloat(key: number, counter: number): number {
  const spread = Math.imul(counter, GOLDEN_RATIO_32);
  const mixed = fmix32(key ^ spread);
  const high = fmix32(mixed + key) >>> 5; // 27 bits
  const low = fmix32(mixed ^ spread ^ 0x5bd1e995) >>> 6; // 26 bits
  return (high * 67108864 + low) * TWO_POW_MINUS_53;
}

function checkSampleSize(n: number, k: number): void {
  if (!(Number.isSafeInteger(n) && n >= 0 && n < 2 ** 31)) {
    throw new InvalidInputError('n', `expected an integer in [0, 2^31), got ${n}`);
  }
  if (!(Number.isSafeInteger(k) && k >= 0 && k <= n)) {
    throw new InvalidInputError('k', `expected an integer in [0, ${n}], got ${k}`);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Hashes a string to a seed (cyrb53 by bryc, public domain:
 * https://github.com/bryc/code/blob/master/jshash/experimental/cyrb53.js), a 53-bit non-negative safe
 * integer, so services can seed a detector from e.g. `station/variable`. Not cryptographic.
 *
 * @example
 * new Random(hashSeed('station_1/var_1'));
 */
export function hashSeed(text: string, salt = 0): number {
  let h1 = 0xdeadbeef ^ salt;
  let h2 = 0x41c6ce57 ^ salt;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * A seed for the `index`-th model derived from one base seed (e.g. the k-th refit of a detector), so
 * successive models draw unrelated streams while the whole sequence stays reproducible from the base seed.
 *
 * @example
 * deriveSeed(7, 0) !== deriveSeed(7, 1); // true
 * @throws {InvalidInputError} `seed` or `index` when not a safe integer.
 */
export function deriveSeed(seed: number, index: number): number {
  if (!Number.isSafeInteger(seed))
    throw new InvalidInputError('seed', `expected a safe integer, got ${seed}`);
  if (!Number.isSafeInteger(index))
    throw new InvalidInputError('index', `expected a safe integer, got ${index}`);
  return hashSeed(`${seed}/${index}`);
}
