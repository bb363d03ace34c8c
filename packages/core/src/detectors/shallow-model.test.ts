import { describe, expect, it } from 'vitest';
import { invalidArgumentOf } from '../../test/errors-support.js';
import { dailyTraffic } from '../../test/fixtures/daily-traffic.js';
import { loadRedborderRows } from '../../test/fixtures/redborder/load.js';
import type { MetricRow } from '../metric-detection.js';
import { shallowDetect } from './shallow-model.js';

const bytes = loadRedborderRows('druid_bytes_239x1h');
const flaggedRows = (rows: readonly MetricRow[], options = {}) =>
  shallowDetect(rows, options).points.flatMap((p, i) => (p.anomalous ? [i] : []));

/** Three metrics of one-minute traffic that move together: bytes, packets (about 700 bytes each), a rate. */
function traffic(rows: number, seed: number): MetricRow[] {
  return dailyTraffic({ rows, seed, metrics: ['bytes'], noise: 0.05 }).map((row, i) => {
    const b = Math.round(row.values.bytes!);
    const jitter = 1 + 0.01 * Math.sin(i * 12.9898 + seed);
    const pkts = Math.round((b / 700) * jitter);
    return { time: row.time, values: { bytes: b, pkts, bps: (b * 8) / 60 } };
  });
}

describe('shallowDetect', () => {
  it('flags next to nothing on a clean day of one-minute traffic (at most 0.5 % of the rows)', () => {
    for (const seed of [1, 2, 3]) expect(flaggedRows(traffic(1440, seed)).length).toBeLessThanOrEqual(7);
  });

  it('flags a spike, a dip and an outage on their own rows only, with the usual value as expected', () => {
    const rows = traffic(1440, 4);
    const clean = structuredClone(rows);
    const scale = (from: number, to: number, factor: number) => {
      for (let i = from; i <= to; i++) {
        for (const metric of ['bytes', 'pkts', 'bps']) rows[i]!.values[metric]! *= factor;
      }
    };
    scale(300, 300, 5);
    scale(600, 629, 0.1);
    scale(1000, 1019, 0);
    const detection = shallowDetect(rows);
    const found = detection.points.flatMap((p, i) => (p.anomalous ? [i] : []));
    const inside = (i: number) => i === 300 || (i >= 600 && i <= 629) || (i >= 1000 && i <= 1019);
    expect(found.filter((i) => !inside(i)).length).toBeLessThanOrEqual(5);
    expect(found).toContain(300);
    expect(found.filter((i) => i >= 600 && i <= 629).length).toBeGreaterThanOrEqual(28);
    expect(found.filter((i) => i >= 1000 && i <= 1019)).toHaveLength(20);
    for (const i of [300, 615, 1010]) {
      const { expected, observed } = detection.points[i]!;
      expect(Math.abs(expected.bytes! - clean[i]!.values.bytes!)).toBeLessThan(0.2 * clean[i]!.values.bytes!);
      expect(detection.points[i]!.exceeded).toEqual(expect.arrayContaining(['bytes', 'pkts', 'bps']));
      expect(observed.bytes).toBe(rows[i]!.values.bytes);
    }
  });

  it('flags a level shift of a few hours, with the level before it as expected', () => {
    for (const [seed, factor] of [
      [7, 0.5],
      [8, 1.5],
    ] as const) {
      const rows = traffic(1440, seed);
      const clean = structuredClone(rows);
      for (let i = 600; i < 780; i++) {
        for (const metric of ['bytes', 'pkts', 'bps']) rows[i]!.values[metric]! *= factor;
      }
      const detection = shallowDetect(rows);
      const found = detection.points.flatMap((p, i) => (p.anomalous ? [i] : []));
      expect(found.filter((i) => i >= 600 && i < 780).length).toBeGreaterThan(150);
      expect(found.filter((i) => i < 600 || i >= 780).length).toBeLessThanOrEqual(5);
      // Nearer the clean value than the observed one, on every row of the shift.
      for (let i = 600; i < 780; i++) {
        const { expected } = detection.points[i]!;
        const truth = clean[i]!.values.bytes!;
        expect(Math.abs(expected.bytes! - truth)).toBeLessThan(
          Math.abs(expected.bytes! - rows[i]!.values.bytes!),
        );
      }
    }
  });

  it('flags one metric breaking its usual ratio to another, blaming that metric', () => {
    const rows = traffic(1440, 5);
    // A small-packet flood: packets x2 for 20 minutes, bytes unchanged. Packets alone stay within their noise
    // (the daily cycle and 5 % noise), their ratio to bytes does not.
    for (let i = 700; i < 720; i++) rows[i]!.values.pkts! *= 1.6;
    const detection = shallowDetect(rows);
    const found = detection.points.flatMap((p, i) => (p.anomalous ? [i] : []));
    const inside = found.filter((i) => i >= 700 && i < 720);
    expect(inside.length).toBeGreaterThan(10);
    expect(found.length - inside.length).toBeLessThanOrEqual(5);
    expect(inside.every((i) => detection.points[i]!.exceeded.includes('pkts'))).toBe(true);
    expect(inside.some((i) => detection.points[i]!.exceeded.includes('bytes'))).toBe(false);
  });

  it('flags a rescaled post-aggregation (bps) exactly when its source is flagged', () => {
    const rows = traffic(1440, 6);
    rows[500]!.values.bytes! *= 8;
    rows[500]!.values.bps! *= 8;
    rows[500]!.values.pkts! *= 8;
    const detection = shallowDetect(rows);
    for (const point of detection.points) {
      expect(point.exceeded.includes('bps')).toBe(point.exceeded.includes('bytes'));
    }
    expect(detection.points[500]!.anomalous).toBe(true);
  });

  it('learns the time of day when the rows span days: a busy afternoon is normal, a busy night is not', () => {
    const rows = dailyTraffic({ rows: 24 * 10, stepMs: 3_600_000, noise: 0.05, metrics: ['bytes'] });
    // The afternoon peak level (1.6x the mean), at 03:00 on day 6.
    const night = 5 * 24 + 3;
    rows[night]!.values.bytes = 4e8 * 1.6;
    expect(flaggedRows(rows)).toEqual([night]);
  });

  it('returns one point per row with bands around the expected values; sensitivity moves them', () => {
    const detection = shallowDetect(bytes);
    expect(detection.model).toBe('shallow');
    expect(detection.metrics).toEqual(['bytes']);
    expect(detection.points.map((p) => p.time)).toEqual(bytes.map((r) => r.time));
    for (const p of detection.points) {
      expect(p.lower.bytes!).toBeLessThanOrEqual(p.expected.bytes!);
      expect(p.upper.bytes!).toBeGreaterThanOrEqual(p.expected.bytes!);
      expect(p.anomalous).toBe(p.score > 1);
    }
    expect(flaggedRows(bytes, { sensitivity: 0 })).toEqual([]);
    // Spikes from x1.5 to x4: the lower the sensitivity, the fewer are flagged.
    const spiky = traffic(1440, 9);
    for (let k = 0; k < 12; k++) {
      for (const metric of ['bytes', 'pkts', 'bps']) spiky[100 + 110 * k]!.values[metric]! *= 1.5 + k / 4;
    }
    const counts = [0.3, 0.6, 0.95, 1].map((sensitivity) => flaggedRows(spiky, { sensitivity }).length);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts[0]).toBeLessThan(counts[3]!);
  });

  it('is deterministic, leaves the input untouched and handles very short series', () => {
    const copy = structuredClone(bytes);
    expect(shallowDetect(bytes)).toEqual(shallowDetect(bytes));
    expect(bytes).toEqual(copy);
    for (const n of [1, 2, 3]) {
      const points = shallowDetect(bytes.slice(0, n)).points;
      expect(points).toHaveLength(n);
      expect(points.every((p) => Number.isFinite(p.score) && !p.anomalous)).toBe(true);
    }
  });

  it('judges the chosen metrics only', () => {
    const rows = loadRedborderRows('druid_traffic_60x1m');
    expect(shallowDetect(rows, { metrics: ['pkts'] }).metrics).toEqual(['pkts']);
    expect(shallowDetect(rows).metrics).toEqual(Object.keys(rows[0]!.values));
  });

  it('rejects bad input naming the field', () => {
    expect(invalidArgumentOf(() => shallowDetect([]))).toBe('rows');
    expect(invalidArgumentOf(() => shallowDetect(bytes, { metrics: ['pkts'] }))).toBe('rows[0].values.pkts');
    const withNaN = structuredClone(bytes);
    withNaN[5]!.values.bytes = Number.NaN;
    expect(invalidArgumentOf(() => shallowDetect(withNaN))).toBe('rows[5].values.bytes');
    const unordered = [bytes[1]!, bytes[0]!];
    expect(invalidArgumentOf(() => shallowDetect(unordered))).toBe('rows[1].time');
    expect(invalidArgumentOf(() => shallowDetect(bytes, { sensitivity: 1.5 }))).toBe('sensitivity');
  });
});
