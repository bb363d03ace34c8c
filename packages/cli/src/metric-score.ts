/**
 * Scores metric detections against the traffic generator's labels (metric-traffic.ts), the way eval:streams scores
 * station streams:
 * - event recall per kind: an event is detected when any row of it, start..end, is flagged;
 * - point precision: flagged rows inside some event / all flagged rows;
 * - F1 = 2PR / (P + R) of the pooled recall and the precision;
 * - expected: per kind, the share of event rows whose reported expected value (of `metric`) is nearer the clean value
 *   than the observed one, over the rows where the anomaly changed that metric.
 */
import type { MetricDetection, MetricRow } from '@outliers/core';
import { TRAFFIC_KINDS, type TrafficEvent, type TrafficKind } from './metric-traffic.js';

export interface KindScore {
  events: number;
  detected: number;
  /** Event rows where the anomaly changed the metric, and those whose expected value is nearer the clean one. */
  changedRows: number;
  nearerClean: number;
}

export interface MetricScore {
  kinds: Map<TrafficKind, KindScore>;
  flags: number;
  flagsInEvents: number;
}

/** One labelled request and what a model made of it. */
export interface ScoredRequest {
  events: readonly TrafficEvent[];
  rows: readonly MetricRow[];
  clean: readonly MetricRow[];
  detection: MetricDetection;
}

export function emptyScore(): MetricScore {
  const kinds = new Map<TrafficKind, KindScore>();
  for (const kind of TRAFFIC_KINDS)
    kinds.set(kind, { events: 0, detected: 0, changedRows: 0, nearerClean: 0 });
  return { kinds, flags: 0, flagsInEvents: 0 };
}

/** Adds one request's counts to `score`. */
export function addRequest(score: MetricScore, request: ScoredRequest, metric: string): void {
  const { events, rows, clean, detection } = request;
  const inEvent = new Uint8Array(rows.length);
  for (const event of events) {
    const kind = score.kinds.get(event.kind)!;
    kind.events++;
    let hit = false;
    for (let i = event.start; i <= event.end; i++) {
      inEvent[i] = 1;
      const point = detection.points[i]!;
      hit ||= point.anomalous;
      const observed = rows[i]!.values[metric]!;
      const truth = clean[i]!.values[metric]!;
      const expected = point.expected[metric];
      if (observed === truth || expected === undefined) continue;
      kind.changedRows++;
      if (Math.abs(expected - truth) < Math.abs(expected - observed)) kind.nearerClean++;
    }
    if (hit) kind.detected++;
  }
  detection.points.forEach((point, i) => {
    if (!point.anomalous) return;
    score.flags++;
    score.flagsInEvents += inEvent[i]!;
  });
}

export interface MetricFigures {
  recall: Record<TrafficKind, number | null>;
  /** Share of changed event rows whose expected value is nearer the clean value, per kind. */
  expectedNearer: Record<TrafficKind, number | null>;
  eventRecall: number;
  precision: number;
  f1: number;
}

export function metricFigures(score: MetricScore): MetricFigures {
  const recall = {} as Record<TrafficKind, number | null>;
  const expectedNearer = {} as Record<TrafficKind, number | null>;
  let events = 0;
  let detected = 0;
  for (const [kind, s] of score.kinds) {
    recall[kind] = s.events === 0 ? null : s.detected / s.events;
    expectedNearer[kind] = s.changedRows === 0 ? null : s.nearerClean / s.changedRows;
    events += s.events;
    detected += s.detected;
  }
  const eventRecall = events === 0 ? 0 : detected / events;
  const precision = score.flags === 0 ? 0 : score.flagsInEvents / score.flags;
  const f1 = eventRecall + precision === 0 ? 0 : (2 * eventRecall * precision) / (eventRecall + precision);
  return { recall, expectedNearer, eventRecall, precision, f1 };
}
