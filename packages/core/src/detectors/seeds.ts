import { Random } from '../random.js';

/**
 * The seed of a detector's k-th model fit: an independent stream of the detector's seed, so a restored detector
 * regrows exactly the forest the original had (it knows seed and k) without storing trees.
 */
export function fitSeed(seed: number, k: number): number {
  return new Random(seed, k).uint32();
}

const utf8 = new TextEncoder();

/**
 * Seed of the detector of one (station, variable): 32-bit FNV-1a over the UTF-8 bytes of `station \0 variable`, so
 * results are reproducible per stream and independent across streams. The service and the offline evaluators derive
 * seeds only through this function, so their verdicts agree.
 * FNV-1a: h = 2166136261; for each byte b: h = (h XOR b) * 16777619 mod 2^32 (Fowler, Noll, Vo).
 */
export function streamSeed(station: string, variable: string): number {
  let h = 0x811c9dc5;
  for (const b of utf8.encode(`${station}\u0000${variable}`)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}
