import { describe, expect, it } from 'vitest';
import { anomalyScore, averagePathLength } from './average-path-length.js';

describe('averagePathLength c(n)', () => {
  it("equals scikit-learn's _average_path_length", () => {
    // /usr/bin/python3 -c "from sklearn.ensemble._iforest import _average_path_length as c;
    //   print([repr(v) for v in c([0, 1, 2, 3, 256, 1000])])"   (scikit-learn 1.2.1)
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(3)).toBeCloseTo(1.207392357589623, 14);
    expect(averagePathLength(256)).toBeCloseTo(10.244770920119917, 13);
    expect(averagePathLength(1000)).toBeCloseTo(12.969940887100174, 13);
  });

  it('approaches the exact 2 H(n-1) - 2 (n-1)/n for large n', () => {
    const n = 5000;
    let harmonic = 0;
    for (let i = 1; i < n; i++) harmonic += 1 / i;
    // ln(i) + gamma underestimates H(i) by about 1/(2i).
    expect(averagePathLength(n)).toBeCloseTo(2 * harmonic - (2 * (n - 1)) / n, 3);
  });
});

describe('anomalyScore', () => {
  it('is 1 for E[h] = 0, 1/2 for E[h] = c(psi), and falls as E[h] grows', () => {
    expect(anomalyScore(0, 256)).toBe(1);
    expect(anomalyScore(averagePathLength(256), 256)).toBeCloseTo(0.5, 15);
    expect(anomalyScore(2 * averagePathLength(256), 256)).toBeCloseTo(0.25, 15);
    expect(anomalyScore(3, 256)).toBeGreaterThan(anomalyScore(4, 256));
  });

  it('is 0.5 for a single-sample forest, as scikit-learn sets it', () => {
    expect(anomalyScore(0, 1)).toBe(0.5);
  });
});
