/** Small deterministic traffic series for training tests (a daily-ish sine with noise from a fixed LCG). */
import type { MetricRow } from '@outliers/core';

export function trafficRows(
  count: number,
  stepMs: number,
  startMs = Date.UTC(2024, 4, 30),
  seed = 1,
): MetricRow[] {
  let state = seed >>> 0;
  const noise = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  return Array.from({ length: count }, (_, i) => {
    const level = 1e6 * (2 + Math.sin((2 * Math.PI * i) / 48)) * (1 + 0.05 * noise());
    return {
      time: startMs + i * stepMs,
      values: { bytes: Math.round(level), pkts: Math.round(level / 800) },
    };
  });
}

/** The same rows as a Druid timeseries response. */
export function asDruidResponse(rows: MetricRow[]): unknown {
  return rows.map((r) => ({ timestamp: new Date(r.time).toISOString(), result: r.values }));
}

export const TINY_TRAINING = { epochs: 2, batchSize: 8, k: 5, window: 8, stride: 4, seed: 7 };
