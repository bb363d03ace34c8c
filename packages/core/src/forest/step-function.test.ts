import { describe, expect, it } from 'vitest';
import { Random } from '../random.js';
import { pathLength, TreeGrower } from './isolation-tree.js';
import { lowerBound, StepFunction } from './step-function.js';

describe('lowerBound', () => {
  it('counts the entries below x, like a linear scan, for every length and at every entry', () => {
    const rng = new Random(4);
    for (let length = 0; length < 40; length++) {
      const sorted = Float64Array.from({ length }, () => Math.round(rng.normal() * 5)).sort();
      const queries = [...sorted, -Infinity, Infinity, ...Array.from({ length: 20 }, () => rng.normal() * 6)];
      for (const x of queries) {
        expect(lowerBound(sorted, x)).toBe(sorted.filter((b) => b < x).length);
      }
    }
  });
});

describe('StepFunction.ofForest', () => {
  it('equals the summed tree walks bit for bit, at every breakpoint, between them and beyond', () => {
    const rng = new Random(8);
    const data = Float64Array.from({ length: 100 }, () =>
      rng.float() < 0.1 ? rng.normal(0, 10) : rng.normal(),
    );
    const grower = new TreeGrower({ data, count: data.length, dims: 1 }, rng, 7, 64);
    const roots = Int32Array.from({ length: 30 }, () => grower.grow(rng.sample(data.length, 64)));
    const nodes = grower.trimmed();
    const walk = (x: number): number => {
      let sum = 0;
      for (const root of roots) sum += pathLength(nodes, root, [x]);
      return sum;
    };
    const step = StepFunction.ofForest(nodes, roots, (sum) => sum);

    const internal = nodes.left.filter((l) => l !== 0).length;
    expect(step.size).toBeGreaterThan(0);
    expect(step.size).toBeLessThanOrEqual(internal);
    expect(step.values).toHaveLength(step.size + 1);
    const b = step.breakpoints;
    const probes = [-Infinity, Infinity, ...data];
    for (let k = 0; k < b.length; k++) {
      probes.push(b[k]!, b[k]! - 1e-9, b[k]! + 1e-9);
      if (k + 1 < b.length) probes.push((b[k]! + b[k + 1]!) / 2);
    }
    const mismatches = probes.filter((x) => step.at(x) !== walk(x));
    expect(mismatches).toEqual([]);
  });
});
