/** The k-th smallest value of an array, found in place without sorting it. */
/** Ranges longer than this are narrowed by sampling first (the constant of Floyd and Rivest's paper). */
const FLOYD_RIVEST_SAMPLING = 600;

function swap(a: Float64Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/**
 * Reorders a[left..right] so that a[k] holds the value it would have if sorted, with everything before it ≤ and
 * everything after it ≥ (Floyd & Rivest 1975, "Algorithm 489: SELECT", CACM 18(3)): on long ranges it first
 * selects recursively within a small sample around k, so the pivot lands close to the k-th value and about 1.5n
 * comparisons suffice, half those of Hoare's quickselect. Runs of equal values (ties) keep partitions balanced.
 */
export function selectInPlace(a: Float64Array, k: number, left: number, right: number): void {
  while (right > left) {
    if (right - left > FLOYD_RIVEST_SAMPLING) {
      const n = right - left + 1;
      const i = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * Math.sign(i - n / 2);
      const newLeft = Math.max(left, Math.floor(k - (i * s) / n + sd));
      const newRight = Math.min(right, Math.floor(k + ((n - i) * s) / n + sd));
      selectInPlace(a, k, newLeft, newRight);
    }
    const pivot = a[k]!;
    let i = left;
    let j = right;
    swap(a, left, k);
    if (a[right]! > pivot) swap(a, left, right);
    while (i < j) {
      swap(a, i, j);
      i++;
      j--;
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
    }
    if (a[left] === pivot) swap(a, left, j);
    else {
      j++;
      swap(a, j, right);
    }
    // a[j] is now the pivot in its sorted place.
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}
