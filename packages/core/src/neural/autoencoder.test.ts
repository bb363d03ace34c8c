import { beforeAll, describe, expect, it } from 'vitest';
import { dailyTraffic } from '../../test/fixtures/daily-traffic.js';
import { loadRedborderRows } from '../../test/fixtures/redborder/load.js';
import { InvalidInputError } from '../errors.js';
import type { MetricDetection, MetricRow } from '../metric-detection.js';
import {
  AutoencoderModel,
  initBackend,
  METADATA_JSON,
  MODEL_JSON,
  trainModel,
  WEIGHTS_BIN,
} from './index.js';

const METRICS = ['bytes', 'pkts', 'clients', 'flows_per_sec_per_client'];
const TEN_MINUTES = 600_000;
/** 2024-05-20 is a Monday: training covers Monday to Wednesday. */
const MONDAY = Date.UTC(2024, 4, 20);
const DAY = 86_400_000;
/** Training takes a few seconds alone; the CPU may be shared. */
const TRAINING_TIMEOUT = 60_000;

const day = (start: number, seed: number, rows = 144) =>
  dailyTraffic({ start, rows, stepMs: TEN_MINUTES, metrics: METRICS, seed });
const anomalies = (detection: MetricDetection) => detection.points.filter((p) => p.anomalous);
const iso = (time: number) => new Date(time).toISOString();

function fieldOf(f: () => unknown): Promise<string> {
  return Promise.resolve()
    .then(f)
    .then(
      () => {
        throw new Error('did not throw');
      },
      (error) => {
        expect(error).toBeInstanceOf(InvalidInputError);
        return (error as InvalidInputError).argument;
      },
    );
}

let model: AutoencoderModel;

beforeAll(async () => {
  model = await trainModel(day(MONDAY, 1, 3 * 144), { seed: 1 });
}, TRAINING_TIMEOUT);

describe('trainModel', () => {
  it('runs on the wasm backend here', async () => {
    expect(await initBackend()).toBe('wasm');
    expect(model.metadata.backend).toBe('wasm');
  });

  it('converges to the noise level and records what it was trained on', () => {
    const { metadata } = model;
    // 3 % multiplicative noise is ~0.02 in scaled units (log range of the daily cycle ~1.4): MSE ~4e-4.
    expect(metadata.loss.training).toBeLessThan(0.003);
    expect(metadata.loss.validation).not.toBeNull();
    expect(metadata.loss.validation!).toBeLessThan(0.003);
    for (const metric of METRICS) {
      expect(metadata.thresholds[metric]!.mean).toBeLessThan(0.05);
      const { scale, threshold } = metadata.thresholds[metric]!;
      expect(scale).toBeGreaterThan(0);
      expect(threshold).toBeCloseTo(Math.max(5 * scale!, 1e-4), 12);
    }
    expect(metadata).toMatchObject({
      formatVersion: 1,
      metrics: METRICS,
      window: 32,
      stride: 16,
      k: 5,
      dataRange: {
        from: iso(MONDAY),
        to: iso(MONDAY + (3 * 144 - 1) * TEN_MINUTES),
        rows: 432,
        validationRows: 43,
      },
    });
    // Three days cover the daily period but not the weekly one, and the sampling was regular.
    expect(metadata.featureNames).toEqual([...METRICS, 'time_of_day_sin', 'time_of_day_cos']);
  });

  it(
    'is reproducible from its seed',
    async () => {
      const rows = loadRedborderRows('druid_traffic_60x1m');
      const [a, b] = [
        await trainModel(rows, { epochs: 2, seed: 5 }),
        await trainModel(rows, { epochs: 2, seed: 5 }),
      ];
      expect(a.metadata.thresholds).toEqual(b.metadata.thresholds);
      expect(a.detect(rows)).toEqual(b.detect(rows));
      a.dispose();
      b.dispose();
    },
    TRAINING_TIMEOUT,
  );

  it(
    'learns the 60 one-minute traffic rows: more epochs, lower loss',
    async () => {
      const rows = loadRedborderRows('druid_traffic_60x1m');
      const short = await trainModel(rows, { epochs: 1, seed: 2 });
      const long = await trainModel(rows, { epochs: 30, seed: 2 });
      expect(long.metadata.loss.training).toBeLessThan(short.metadata.loss.training / 2);
      expect(long.metadata.metrics).toHaveLength(11);
      // One hour of data: no time-of-day or weekday columns to extrapolate from.
      expect(long.metadata.featureNames).toEqual(long.metadata.metrics);
      short.dispose();
      long.dispose();
    },
    TRAINING_TIMEOUT,
  );

  it('rejects bad training input naming the field', async () => {
    const rows = day(MONDAY, 1, 40);
    expect(await fieldOf(() => trainModel([]))).toBe('rows');
    expect(await fieldOf(() => trainModel(rows.slice(0, 20)))).toBe('rows');
    expect(await fieldOf(() => trainModel(rows, { metrics: ['bytes', 'nope'] }))).toBe('rows[0].values.nope');
    expect(await fieldOf(() => trainModel(rows, { window: 1 }))).toBe('window');
    expect(await fieldOf(() => trainModel(rows, { epochs: 0 }))).toBe('epochs');
    expect(await fieldOf(() => trainModel(rows, { validationSplit: 0.7 }))).toBe('validationSplit');
  });
});

describe('AutoencoderModel.detect', () => {
  it('flags a planted spike once, at its timestamp, naming the metric', () => {
    const thursday = day(MONDAY + 3 * DAY, 2);
    thursday[70]!.values.pkts! *= 4;
    const found = anomalies(model.detect(thursday));
    expect(found.map((p) => [iso(p.time), p.exceeded])).toEqual([[iso(thursday[70]!.time), ['pkts']]]);
    const spike = found[0]!;
    expect(spike.observed.pkts!).toBeGreaterThan(spike.upper.pkts!);
    expect(spike.score).toBeGreaterThan(1);
  });

  it('flags no weekday wholesale: normal traffic on days never seen in training gives no anomaly', () => {
    for (const offset of [3, 4, 5, 6]) {
      expect(anomalies(model.detect(day(MONDAY + offset * DAY, 10 + offset)))).toEqual([]);
    }
  });

  it(
    'with a week of training (weekday encoded, all seven days), a new week gives no anomaly',
    async () => {
      const halfHour = 1_800_000;
      const weeks = dailyTraffic({
        start: MONDAY,
        rows: 8 * 48,
        stepMs: halfHour,
        metrics: ['bytes'],
        seed: 8,
      });
      const weekly = await trainModel(weeks, { seed: 3, epochs: 10 });
      expect(weekly.metadata.featureNames).toContain('day_of_week_sin');
      const next = dailyTraffic({
        start: MONDAY + 8 * DAY,
        rows: 7 * 48,
        stepMs: halfHour,
        metrics: ['bytes'],
        seed: 9,
      });
      expect(anomalies(weekly.detect(next))).toEqual([]);
      weekly.dispose();
    },
    TRAINING_TIMEOUT,
  );

  it('flags a level shift longer than a slice, and expects the level around it', () => {
    // Two days; 100 rows (16 h 40 min) in the middle at 1.5 times their level, every metric.
    const clean = day(MONDAY + 3 * DAY, 12, 288);
    const rows = structuredClone(clean);
    for (let r = 100; r < 200; r++) for (const metric of METRICS) rows[r]!.values[metric]! *= 1.5;
    const { points } = model.detect(rows);
    const flagged = (from: number, to: number) => points.slice(from, to).filter((p) => p.anomalous).length;
    expect(flagged(100, 200)).toBe(100);
    expect(flagged(0, 100) + flagged(200, 288)).toBe(0);
    // Within 15 % of the clean value (whose own noise is 3 %), where the observed one is 50 % off.
    const ratios = points.slice(100, 200).map((p, i) => p.expected.bytes! / clean[100 + i]!.values.bytes!);

    expect(Math.min(...ratios)).toBeGreaterThan(0.85);
    expect(Math.max(...ratios)).toBeLessThan(1.15);
    // Lower sensitivity flags a subset; 0 flags nothing.
    const anomalous = (sensitivity: number) =>
      model.detect(rows, { sensitivity }).points.flatMap((p, r) => (p.anomalous ? [r] : []));
    const lower = anomalous(0.3);
    expect(lower.length).toBeGreaterThan(0);
    expect(lower.every((r) => points[r]!.anomalous)).toBe(true);
    expect(anomalous(0)).toEqual([]);
  });

  it('evaluates every row, the tail included, with expected values and bands in the metric units', () => {
    // 150 rows: (150 - 32) mod 16 = 6 rows past the last regular slice.
    const rows = day(MONDAY + 3 * DAY, 3, 150);
    rows[149]!.values.bytes! *= 5;
    const detection = model.detect(rows);
    expect(detection.points.map((p) => p.time)).toEqual(rows.map((r) => r.time));
    expect(anomalies(detection).map((p) => [iso(p.time), p.exceeded])).toEqual([
      [iso(rows[149]!.time), ['bytes']],
    ]);
    for (const point of detection.points.slice(0, 149)) {
      for (const metric of METRICS) {
        const { observed, expected, lower, upper } = point;
        expect(lower[metric]!).toBeLessThan(expected[metric]!);
        expect(upper[metric]!).toBeGreaterThan(expected[metric]!);
        expect(observed[metric]!).toBeGreaterThanOrEqual(lower[metric]!);
        expect(observed[metric]!).toBeLessThanOrEqual(upper[metric]!);
        // Expected values are in the metric's own units (bytes ~1e8, the rate ~5e-3), within a factor of two.
        expect(expected[metric]! / observed[metric]!).toBeGreaterThan(0.5);
        expect(expected[metric]! / observed[metric]!).toBeLessThan(2);
      }
    }
  });

  it('handles series shorter than the window (left-padded with the first row)', () => {
    const rows = day(MONDAY + 3 * DAY + 60 * TEN_MINUTES, 4, 10);
    const quiet = model.detect(rows);
    expect(quiet.points).toHaveLength(10);
    expect(anomalies(quiet)).toEqual([]);
    rows[6]!.values.clients! *= 5;
    expect(anomalies(model.detect(rows)).map((p) => [iso(p.time), p.exceeded])).toEqual([
      [iso(rows[6]!.time), ['clients']],
    ]);
    expect(model.detect(rows.slice(0, 1)).points).toHaveLength(1);
  });

  it('leaves its input untouched and ignores extra values', () => {
    const rows = day(MONDAY + 3 * DAY, 5, 40).map((r) => ({ ...r, values: { ...r.values, other: 1 } }));
    const copy = structuredClone(rows);
    expect(model.detect(rows)).toEqual(model.detect(copy));
    expect(rows).toEqual(copy);
  });

  it('rejects bad input naming the field', async () => {
    const rows: MetricRow[] = day(MONDAY + 3 * DAY, 6, 40);
    expect(await fieldOf(() => model.detect([]))).toBe('rows');
    const missing = structuredClone(rows);
    delete missing[2]!.values.pkts;
    expect(await fieldOf(() => model.detect(missing))).toBe('rows[2].values.pkts');
    const infinite = structuredClone(rows);
    infinite[3]!.values.bytes = Number.POSITIVE_INFINITY;
    expect(await fieldOf(() => model.detect(infinite))).toBe('rows[3].values.bytes');
    expect(await fieldOf(() => model.detect([rows[1]!, rows[0]!]))).toBe('rows[1].time');
  });
});

describe('model files', () => {
  it('round-trips through toFiles/fromFiles with identical detections', async () => {
    const files = await model.toFiles();
    expect(Object.keys(files).sort()).toEqual([METADATA_JSON, MODEL_JSON, WEIGHTS_BIN]);
    const modelJson = JSON.parse(new TextDecoder().decode(files[MODEL_JSON]));
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.weightsManifest[0].paths).toEqual([WEIGHTS_BIN]);
    const parameters = model.network.countParams();
    expect(files[WEIGHTS_BIN].byteLength).toBe(4 * parameters);

    const restored = await AutoencoderModel.fromFiles(structuredClone(files));
    const rows = day(MONDAY + 3 * DAY, 7, 150);
    rows[40]!.values.bytes! *= 3;
    expect(restored.detect(rows)).toEqual(model.detect(rows));
    expect(restored.metadata).toEqual(model.metadata);
    restored.dispose();
  });

  it('rejects missing or foreign files naming the file', async () => {
    const files = await model.toFiles();
    const { [WEIGHTS_BIN]: _, ...withoutWeights } = files;
    expect(await fieldOf(() => AutoencoderModel.fromFiles(withoutWeights))).toBe(WEIGHTS_BIN);
    const future = { ...model.metadata, formatVersion: 99 };
    const renamed = { ...files, [METADATA_JSON]: new TextEncoder().encode(JSON.stringify(future)) };
    expect(await fieldOf(() => AutoencoderModel.fromFiles(renamed))).toBe(METADATA_JSON);
    const garbage = { ...files, [MODEL_JSON]: new TextEncoder().encode('{') };
    expect(await fieldOf(() => AutoencoderModel.fromFiles(garbage))).toBe(MODEL_JSON);
  });
});
