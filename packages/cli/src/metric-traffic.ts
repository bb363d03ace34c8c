/**
 * A labelled traffic generator for metric detection: series shaped like a network sensor's Druid rows (the
 * traffic model's bytes, pkts, flows, clients and their per-second and per-client post-aggregations), with
 * labelled anomalies in the rows a client asks about and unlabelled ones in the history a model trains on.
 *
 * Per sensor (its own stream of one seeded generator):
 *   level  bytes per second, log-uniform over three decades; packet size, bytes per flow and clients drawn once
 *   daily  exp(A cos(2π (h - peak) / 24)) with A in [0.3, 1.2] (night to day x1.8 to x11), peak in 10-16 h UTC
 *   weekly Saturdays and Sundays at a factor in [0.4, 0.9]
 *   noise  in log space, Student-t (4 degrees of freedom, heavy tails) through an AR(1) at one minute
 *          (bursts last a few minutes), independent at one hour; packet size, flow size and clients have their
 *          own smaller noise, so the metrics move together without being copies of each other.
 * Anomalies (never overlapping, with normal rows between them), applied to bytes, pkts, flows and clients before
 * the post-aggregations are derived, as Druid would derive them:
 *   spike          bytes and pkts x3 to x10 (flows a fifth as much), 1-3 rows
 *   dip            volume to 10 % (clients to 30 %), 5-60 minutes (1-3 rows at one hour)
 *   outage         every metric 0 (Druid's sum of no rows, and its division by zero), same lengths as a dip
 *   shift          volume x0.5 or x1.5 (clients by the square root), 1-4 hours (12-48 rows at one hour)
 *   decorrelation  pkts, flows or clients x2.5 to x4 with bytes unchanged (a small-packet flood, a scan, a
 *                  crowd of idle clients), 10-60 minutes (2-8 rows at one hour)
 */

import type { MetricRow } from '@outliers/core';
import { Random } from '@outliers/core';

export const TRAFFIC_KINDS = ['spike', 'dip', 'outage', 'shift', 'decorrelation'] as const;
export type TrafficKind = (typeof TRAFFIC_KINDS)[number];

/** One labelled anomaly: rows start..end (inclusive) of the request. */
export interface TrafficEvent {
  kind: TrafficKind;
  start: number;
  end: number;
}

export interface SensorTraffic {
  sensor: string;
  granularitySeconds: number;
  /** What a trainer reads: the days before the request, with unlabelled anomalies. */
  history: MetricRow[];
  /** What a client sends. */
  rows: MetricRow[];
  /** `rows` without the anomalies. */
  clean: MetricRow[];
  events: TrafficEvent[];
}

/** The metrics a trainer models (the traffic model's aggregations). */
export const BASE_METRICS = ['bytes', 'pkts', 'flows', 'clients'] as const;

interface Granularity {
  seconds: number;
  requestRows: number;
  historyRows: number;
  /** Log-space noise scale of bytes. */
  noise: [number, number];
  /** AR(1) coefficient of the noise. */
  persistence: number;
  /** Length ranges in rows. */
  lengths: Record<TrafficKind, [number, number]>;
  /** Normal rows kept before, between and after anomalies. */
  margin: number;
  /** Anomalies in the history, per request length of history. */
  historyEvents: number;
}

export const GRANULARITIES: Record<'minute' | 'hour', Granularity> = {
  minute: {
    seconds: 60,
    requestRows: 1440,
    historyRows: 3 * 1440,
    noise: [0.08, 0.25],
    persistence: 0.5,
    lengths: { spike: [1, 3], dip: [5, 60], outage: [5, 60], shift: [60, 240], decorrelation: [10, 60] },
    margin: 40,
    historyEvents: 3,
  },
  hour: {
    seconds: 3600,
    requestRows: 240,
    historyRows: 28 * 24,
    noise: [0.04, 0.12],
    persistence: 0,
    lengths: { spike: [1, 3], dip: [1, 3], outage: [1, 3], shift: [12, 48], decorrelation: [2, 8] },
    margin: 8,
    historyEvents: 4,
  },
};

/** Anomalies per request: two spikes and one of every other kind. */
const REQUEST_KINDS: TrafficKind[] = ['spike', 'spike', 'dip', 'outage', 'shift', 'decorrelation'];
const DAY_MS = 86_400_000;
/** Monday 2026-01-05, 00:00 UTC: requests start on a day boundary within the following four weeks. */
const EPOCH = Date.UTC(2026, 0, 5);

/** One sensor's traffic; `seed` and `index` fix it entirely. */
export function sensorTraffic(seed: number, index: number, granularity: 'minute' | 'hour'): SensorTraffic {
  const g = GRANULARITIES[granularity];
  const random = new Random(seed, index * 2 + (granularity === 'hour' ? 1 : 0));
  const shape = drawShape(random, g);
  const total = g.historyRows + g.requestRows;
  const start = EPOCH + random.int(28) * DAY_MS - g.historyRows * g.seconds * 1000;
  const base = baseSeries(random, shape, g, total, start);
  const history = base.slice(0, g.historyRows).map(copyRow);
  for (const event of placeEvents(random, g, historyKinds(random, g.historyEvents), g.historyRows)) {
    applyEvent(random, history, event);
  }
  const clean = base.slice(g.historyRows);
  const rows = clean.map(copyRow);
  const events = placeEvents(random, g, REQUEST_KINDS, g.requestRows);
  for (const event of events) applyEvent(random, rows, event);
  return {
    sensor: `${granularity}-${seed}-${index}`,
    granularitySeconds: g.seconds,
    history: history.map((row) => derived(row, g.seconds)),
    rows: rows.map((row) => derived(row, g.seconds)),
    clean: clean.map((row) => derived(row, g.seconds)),
    events,
  };
}

interface Shape {
  bytesPerSecond: number;
  packetSize: number;
  bytesPerFlow: number;
  clients: number;
  amplitude: number;
  peakHour: number;
  weekend: number;
  noise: number;
}

function drawShape(random: Random, g: Granularity): Shape {
  const logUniform = (lo: number, hi: number) => lo * (hi / lo) ** random.float();
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random.float();
  return {
    bytesPerSecond: logUniform(1e4, 1e7),
    packetSize: uniform(400, 1100),
    bytesPerFlow: logUniform(2e4, 5e5),
    clients: logUniform(5, 2000),
    amplitude: uniform(0.3, 1.2),
    peakHour: uniform(10, 16),
    weekend: uniform(0.4, 0.9),
    noise: uniform(g.noise[0], g.noise[1]),
  };
}

/** Base rows (bytes, pkts, flows, clients) without anomalies. */
function baseSeries(random: Random, shape: Shape, g: Granularity, count: number, start: number): MetricRow[] {
  const rows: MetricRow[] = [];
  let ar = 0;
  const innovation = shape.noise * Math.sqrt(1 - g.persistence ** 2);
  for (let i = 0; i < count; i++) {
    const time = start + i * g.seconds * 1000;
    const hour = ((time % DAY_MS) / DAY_MS) * 24;
    const weekday = new Date(time).getUTCDay();
    const daily = Math.exp(shape.amplitude * Math.cos((2 * Math.PI * (hour - shape.peakHour)) / 24));
    const weekly = weekday === 0 || weekday === 6 ? shape.weekend : 1;
    ar = g.persistence * ar + innovation * heavyTailed(random);
    const volume = daily * weekly;
    const bytes = shape.bytesPerSecond * g.seconds * volume * Math.exp(ar);
    const clients = shape.clients * volume ** 0.6 * Math.exp(0.05 * random.normal());
    rows.push({
      time,
      values: {
        bytes,
        pkts: (bytes / shape.packetSize) * Math.exp(0.04 * random.normal()),
        flows: (bytes / shape.bytesPerFlow) * Math.exp(0.1 * random.normal()),
        clients,
      },
    });
  }
  return rows;
}

function copyRow(row: MetricRow): MetricRow {
  return { time: row.time, values: { ...row.values } };
}

/** Student-t with 4 degrees of freedom, scaled to unit variance. */
function heavyTailed(random: Random): number {
  let chi = 0;
  for (let k = 0; k < 4; k++) chi += random.normal() ** 2;
  return random.normal() / Math.sqrt(chi / 4) / Math.SQRT2;
}

function historyKinds(random: Random, count: number): TrafficKind[] {
  return Array.from({ length: count }, () => TRAFFIC_KINDS[random.int(TRAFFIC_KINDS.length)]!);
}

/** Non-overlapping events in random order, each at a random place of its own stretch of the rows. */
function placeEvents(random: Random, g: Granularity, kinds: TrafficKind[], rows: number): TrafficEvent[] {
  const order = [...kinds];
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const stretch = Math.floor(rows / order.length);
  return order.map((kind, k) => {
    const [lo, hi] = g.lengths[kind];
    const length = Math.min(random.intBetween(lo, hi), stretch - 2 * g.margin);
    const from = k * stretch + g.margin;
    const start = from + random.int(Math.max(1, stretch - 2 * g.margin - length + 1));
    return { kind, start, end: start + length - 1 };
  });
}

function applyEvent(random: Random, rows: MetricRow[], event: TrafficEvent): void {
  for (const [metric, factor] of Object.entries(eventFactors(random, event.kind))) {
    for (let i = event.start; i <= event.end; i++) rows[i]!.values[metric]! *= factor;
  }
}

/** What an anomaly of this kind multiplies each base metric by. */
function eventFactors(
  random: Random,
  kind: TrafficKind,
): Partial<Record<(typeof BASE_METRICS)[number], number>> {
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * random.float();
  switch (kind) {
    case 'spike': {
      const f = uniform(3, 10);
      return { bytes: f, pkts: f, flows: 1 + (f - 1) / 5 };
    }
    case 'dip':
      return { bytes: 0.1, pkts: 0.1, flows: 0.1, clients: 0.3 };
    case 'outage':
      return { bytes: 0, pkts: 0, flows: 0, clients: 0 };
    case 'shift': {
      const f = random.float() < 0.5 ? 0.5 : 1.5;
      return { bytes: f, pkts: f, flows: f, clients: Math.sqrt(f) };
    }
    case 'decorrelation': {
      const metric = (['pkts', 'flows', 'clients'] as const)[random.int(3)]!;
      return { [metric]: uniform(2.5, 4) };
    }
  }
}

/** Counts rounded as Druid sums them, and the traffic model's post-aggregations (0 on division by zero). */
function derived(row: MetricRow, seconds: number): MetricRow {
  const bytes = Math.round(row.values.bytes!);
  const pkts = Math.round(row.values.pkts!);
  const flows = Math.round(row.values.flows!);
  const clients = row.values.clients!;
  const divide = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const bps = (bytes * 8) / seconds;
  const fps = flows / seconds;
  return {
    time: row.time,
    values: {
      bytes,
      pkts,
      flows,
      clients,
      bps,
      pps: pkts / seconds,
      fps,
      bytes_per_client: divide(bytes, clients),
      bits_per_sec_per_client: divide(bps, clients),
      flows_per_client: divide(flows, clients),
      flows_per_sec_per_client: divide(fps, clients),
    },
  };
}
