import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors.js';
import { Random } from '../random.js';
import { triangularHalfWidth, triangularSmooth } from './triangular-smoothing.js';

describe('triangularSmooth', () => {
  it('matches numpy: convolution with normalised weights h + 1 - |j| over the edge-padded series', () => {
    // x = [3,1,4,1,5,9,2,6,5,3,5,8,9,7,9,3,2,3,8,4,6,2,6,4,3]; h = 2; w = [1,2,3,2,1] / 9
    // np.convolve(np.pad(x, h, mode='edge'), w, mode='valid')
    const x = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6, 2, 6, 4, 3];
    const expected = [
      2.666666666666667, 2.3333333333333335, 2.666666666666667, 3.4444444444444446, 4.555555555555555,
      5.333333333333334, 5.111111111111111, 4.888888888888888, 4.444444444444444, 4.777777777777778,
      5.666666666666666, 6.888888888888888, 7.888888888888888, 7.5555555555555545, 6.444444444444445,
      4.555555555555555, 3.8888888888888884, 4.0, 5.111111111111112, 5.0, 4.888888888888889,
      4.222222222222222, 4.333333333333333, 3.8888888888888884, 3.5555555555555554,
    ];
    const smoothed = triangularSmooth(x, 2);
    expected.forEach((v, i) => {
      expect(smoothed[i]).toBeCloseTo(v, 12);
    });
  });

  it('agrees with the direct weighted sum on a long series with spikes, to a relative 1e-12', () => {
    const rng = new Random(11);
    const x = Array.from(
      { length: 5000 },
      (_, i) => 1e6 * (2 + Math.sin(i / 200)) * (i % 977 === 0 ? 8 : 1) + rng.float(),
    );
    const h = triangularHalfWidth(x.length);
    const smoothed = triangularSmooth(x);
    for (let t = 0; t < x.length; t++) {
      let sum = 0;
      for (let j = -h; j <= h; j++)
        sum += (h + 1 - Math.abs(j)) * x[Math.min(x.length - 1, Math.max(0, t + j))]!;
      const direct = sum / (h + 1) ** 2;
      expect(Math.abs(smoothed[t]! - direct) / direct).toBeLessThan(1e-12);
    }
  });

  it('repeats the documented example and keeps constants and length', () => {
    expect(Array.from(triangularSmooth([0, 0, 3, 0, 0], 1))).toEqual([0, 0.75, 1.5, 0.75, 0]);
    expect(Array.from(triangularSmooth([7, 7, 7, 7]))).toEqual([7, 7, 7, 7]);
    expect(Array.from(triangularSmooth([5]))).toEqual([5]);
  });

  it('sizes the kernel like the reference window rule (about 5 % of the series, odd window)', () => {
    // n -> max(int(0.05 n), min(n, int(5 + log n))), made odd, // 2   (computed with numpy)
    expect([1, 2, 5, 25, 100, 239, 1440].map(triangularHalfWidth)).toEqual([0, 1, 2, 4, 4, 5, 36]);
  });

  it('rejects empty or non-finite input', () => {
    expect(() => triangularSmooth([])).toThrow(InvalidInputError);
    expect(() => triangularSmooth([1, Number.NaN])).toThrow(/values/);
  });
});
