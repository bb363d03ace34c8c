import { Random } from '../random.js';

/**
 * The seed of a detector's k-th model fit: an independent stream of the detector's seed, so a restored detector
 * regrows exactly the forest the original had (it knows seed and k) without storing trees.
 */
export function fitSeed(seed: number, k: number): number {
  return new Random(seed, k).uint32();
}
