import { describe, expect, it } from 'vitest';
import { streamSeed } from './seeds.js';

describe('streamSeed', () => {
  it('is 32-bit FNV-1a over the UTF-8 bytes of "station \\0 variable"', () => {
    // Python: h = 0x811c9dc5; for b in s.encode(): h = ((h ^ b) * 0x01000193) & 0xffffffff
    expect(streamSeed('station_1', 'var_1')).toBe(1777678526);
    expect(streamSeed('estació', 'nivell')).toBe(212414716);
  });

  it('separates station and variable (no concatenation collisions)', () => {
    expect(streamSeed('ab', 'c')).not.toBe(streamSeed('a', 'bc'));
  });
});
