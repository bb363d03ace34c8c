/**
 * Seed of the detector of one (station, variable), the derivation services/executor/src/detection/seed.ts uses
 * (keep the two identical; the CLI cannot import the service): 32-bit FNV-1a over the UTF-8 bytes of
 * `station \0 variable`.
 * FNV-1a: h = 2166136261; for each byte b: h = (h XOR b) * 16777619 mod 2^32 (Fowler, Noll, Vo).
 */
export function streamSeed(station: string, variable: string): number {
  const bytes = Buffer.from(`${station}\u0000${variable}`, 'utf8');
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}
