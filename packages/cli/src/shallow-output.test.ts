/**
 * Pins the shallow model's output on generated traffic, bit for bit: the speed work on its building blocks (rolling
 * median, robust scale, metric relations) must not move a single value. The fixture holds a digest of every number
 * of each detection (as IEEE-754 bytes, so even -0 and the last bit count) and the flagged rows.
 * After an intended change of the model's output, regenerate it with UPDATE_SHALLOW_FIXTURE=1.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { type MetricDetection, type MetricRow, shallowDetect } from '@outliers/core';
import { expect, it } from 'vitest';
import { sensorTraffic } from './metric-traffic.js';

const FIXTURE = new URL('../test/fixtures/shallow-output.json', import.meta.url);

/** Minute rows (one day: no profile) and hour rows and histories (days: a time-of-day profile, weekends apart). */
function cases(): Record<string, MetricRow[]> {
  const all: Record<string, MetricRow[]> = {};
  for (const granularity of ['minute', 'hour'] as const) {
    for (const index of [0, 1, 2]) {
      const traffic = sensorTraffic(11, index, granularity);
      all[`${granularity}-${index}-rows`] = traffic.rows;
      if (index === 0) all[`${granularity}-${index}-history`] = traffic.history;
    }
  }
  return all;
}

function digest(detection: MetricDetection): { digest: string; flagged: number } {
  const numbers: number[] = [];
  const hash = createHash('sha256').update(detection.metrics.join(','));
  for (const p of detection.points) {
    numbers.push(p.time, p.score);
    for (const m of detection.metrics) numbers.push(p.observed[m]!, p.expected[m]!, p.lower[m]!, p.upper[m]!);
    hash.update(`${p.anomalous}:${p.exceeded.join(',')};`);
  }
  hash.update(new Uint8Array(Float64Array.from(numbers).buffer));
  return { digest: hash.digest('hex'), flagged: detection.points.filter((p) => p.anomalous).length };
}

it('the shallow model answers generated traffic exactly as the fixture recorded', () => {
  const actual = Object.fromEntries(
    Object.entries(cases()).map(([name, rows]) => [name, digest(shallowDetect(rows))]),
  );
  if (process.env.UPDATE_SHALLOW_FIXTURE) writeFileSync(FIXTURE, `${JSON.stringify(actual, null, 2)}\n`);
  expect(actual).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));
});
