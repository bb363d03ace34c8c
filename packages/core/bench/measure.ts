/** Throughput measurement for benchmarks: repeats `work` until `minMs` has passed, after a warm-up. */
export interface Throughput {
  name: string;
  /** Work units (points, rows, calls) per second. */
  perSecond: number;
  /** Mean wall time of one call in milliseconds. */
  msPerCall: number;
}

export function measure(name: string, unitsPerCall: number, work: () => unknown, minMs = 1000): Throughput {
  for (let i = 0; i < 3; i++) work();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    work();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return { name, perSecond: (calls * unitsPerCall * 1000) / elapsed, msPerCall: elapsed / calls };
}

export function report(t: Throughput, unit: string): void {
  const rate =
    t.perSecond >= 1e6 ? `${(t.perSecond / 1e6).toFixed(2)}M` : `${(t.perSecond / 1e3).toFixed(1)}k`;
  process.stdout.write(
    `${t.name.padEnd(52)} ${rate.padStart(9)} ${unit}/s  ${t.msPerCall.toFixed(3)} ms/call\n`,
  );
}
