import { describe, expect, it } from 'vitest';
import { Random } from '../random.js';
import { averagePathLength } from './average-path-length.js';
import {
  addPathLengths,
  leafPathLength,
  pathLength,
  type Rows,
  TreeGrower,
  type TreeNodes,
} from './isolation-tree.js';

/**
 * A hand-built tree on 2 features:
 *   0: x[1] <= 0.5 ? 1 : 2
 *   1: leaf at depth 1 holding 1 sample            h = 1
 *   2: x[0] <= 2 ? 3 : 4
 *   3: leaf at depth 2 holding 3 samples           h = 2 + c(3)
 *   4: leaf at depth 2 holding 1 sample            h = 2
 */
function handBuiltTree(): TreeNodes {
  return {
    left: Int32Array.from([1, 0, 3, 0, 0]),
    feature: Uint16Array.from([1, 0, 0, 0, 0]),
    value: Float64Array.from([0.5, leafPathLength(1, 1), 2, leafPathLength(2, 3), leafPathLength(2, 1)]),
    count: 5,
  };
}

const rowsOf = (values: number[][]): Rows => ({
  data: Float64Array.from(values.flat()),
  count: values.length,
  dims: values[0]!.length,
});

describe('addPathLengths', () => {
  it('adds exactly what pathLength gives row by row, for even and odd ranges', () => {
    const rng = new Random(5);
    const rows = rowsOf(Array.from({ length: 101 }, () => [rng.float(), rng.float(), rng.float()]));
    const grower = new TreeGrower(rows, new Random(6), 12, 256);
    const roots = [0, 1, 2].map(() => grower.grow(new Random(7).sample(rows.count, 64)));
    for (const [start, end] of [
      [0, 101],
      [3, 50],
      [10, 11],
      [20, 20],
    ] as const) {
      const sums = new Float64Array(rows.count).fill(0.25);
      const expected = Float64Array.from(sums);
      for (const root of roots) {
        addPathLengths(grower.nodes, root, rows.data, rows.dims, start, end, sums);
        for (let r = start; r < end; r++) expected[r]! += pathLength(grower.nodes, root, rows.data, r * 3);
      }
      expect(sums).toEqual(expected);
    }
  });
});

describe('pathLength', () => {
  it('follows x[feature] <= threshold to the left and adds c(leaf size)', () => {
    const tree = handBuiltTree();
    expect(pathLength(tree, 0, [9, 0.5])).toBe(1);
    expect(pathLength(tree, 0, [2, 0.6])).toBeCloseTo(2 + averagePathLength(3), 7);
    expect(pathLength(tree, 0, [2.1, 7])).toBe(2);
    // Offset into a row-major matrix: row 1 of [[0, 0], [3, 1]].
    expect(pathLength(tree, 0, [0, 0, 3, 1], 2)).toBe(2);
  });

  it('leaf path lengths are depth + c(size) up to the 2^-26 quantum', () => {
    for (const [depth, size] of [
      [0, 256],
      [3, 7],
      [8, 1],
      [8, 40],
    ] as const) {
      const h = leafPathLength(depth, size);
      expect(Math.abs(h - depth - averagePathLength(size))).toBeLessThanOrEqual(2 ** -27);
      expect(Number.isInteger(h * 2 ** 26)).toBe(true);
    }
  });
});

describe('TreeGrower', () => {
  const grow = (rows: Rows, maxDepth: number, seed = 1) => {
    const grower = new TreeGrower(rows, new Random(seed), maxDepth, 4);
    const root = grower.grow(Int32Array.from({ length: rows.count }, (_, i) => i));
    return { nodes: grower.trimmed(), root };
  };

  it('isolates every distinct point without a binding height limit: integer depths up to n - 1', () => {
    const values = [[1], [2], [4], [8], [16], [17], [30], [100]];
    const { nodes, root } = grow(rowsOf(values), 100);
    expect(nodes.count).toBe(2 * values.length - 1);
    for (const [x] of values) {
      const h = pathLength(nodes, root, [x!]);
      expect(Number.isInteger(h) && h >= 1 && h <= values.length - 1).toBe(true);
    }
  });

  it('stops at the height limit and charges c(size) for the unbuilt rest', () => {
    const rng = new Random(2);
    const values = Array.from({ length: 64 }, () => [rng.normal(), rng.normal(), rng.normal()]);
    const { nodes } = grow(rowsOf(values), 3);
    let leaves = 0;
    for (let i = 0; i < nodes.count; i++) {
      if (nodes.left[i] !== 0) continue;
      leaves++;
      expect(nodes.value[i]).toBeLessThanOrEqual(3 + averagePathLength(64));
    }
    expect(leaves).toBeLessThanOrEqual(2 ** 3);
  });

  it('keeps identical rows in one leaf, and never splits on a constant feature', () => {
    const same = grow(rowsOf(Array.from({ length: 10 }, () => [4, 4])), 8);
    expect(same.nodes.count).toBe(1);
    expect(same.nodes.value[0]).toBeCloseTo(averagePathLength(10), 7);

    // Feature 0 is constant: every split must use feature 1, with thresholds inside its range.
    const rows = rowsOf(Array.from({ length: 30 }, (_, i) => [5, i]));
    const { nodes } = grow(rows, 8);
    for (let i = 0; i < nodes.count; i++) {
      if (nodes.left[i] === 0) continue;
      expect(nodes.feature[i]).toBe(1);
      expect(nodes.value[i]).toBeGreaterThanOrEqual(0);
      expect(nodes.value[i]).toBeLessThan(29);
    }
  });

  it('grows the same tree from the same seed, another from another seed', () => {
    const rng = new Random(3);
    const rows = rowsOf(Array.from({ length: 50 }, () => [rng.normal(), rng.normal()]));
    const a = grow(rows, 6, 1).nodes;
    expect(grow(rows, 6, 1).nodes).toEqual(a);
    expect(grow(rows, 6, 2).nodes.value).not.toEqual(a.value);
  });
});
