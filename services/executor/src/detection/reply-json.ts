/**
 * The success reply of the metric API as JSON text, written from the detection without building the reply object:
 * one template literal per row, joined once. The schema's fast-json-stringify serialiser appends ~20,000 pieces to
 * one string for a 1440-row reply, a rope its UTF-8 encoding must then flatten, which costs about a third more.
 *
 * The shape and key order are `OutliersReply`'s (schemas/druid-query.ts); the tests compare the text with what the
 * schema's serialiser writes. Strings that come from outside (metric and model names) are written by JSON.stringify.
 */
import type { MetricDetection } from '@outliers/core';
import type { OutliersReply } from '../schemas/druid-query.js';
import { isoTimestamps } from './iso-timestamps.js';

/**
 * @param detection undefined when there were no rows (empty lists).
 * @param preferred METRIC: the metric reported when the detection has it, else its first.
 * @param missing times of the rows filled in for missing buckets: their entries say `"missing":true`.
 */
export function replyJson(
  detection: MetricDetection | undefined,
  preferred: string,
  model: OutliersReply['model'],
  missing?: ReadonlySet<number>,
): string {
  const metric =
    detection === undefined || detection.metrics.includes(preferred) ? preferred : detection.metrics[0]!;
  const anomalies: string[] = [];
  const predicted: string[] = [];
  const iso = isoTimestamps();
  for (const p of detection?.points ?? []) {
    const timestamp = iso(p.time);
    const expected = number(p.expected[metric]);
    const observed = number(p.observed[metric]);
    const lower = number(p.lower[metric]);
    const upper = number(p.upper[metric]);
    // The optional member last, where the schema's serialiser puts it.
    const end = missing?.has(p.time) ? ',"missing":true}' : '}';
    predicted.push(
      `{"timestamp":"${timestamp}","forecast":${expected},"observed":${observed},"lower":${lower},"upper":${upper}${end}`,
    );
    if (p.anomalous) {
      anomalies.push(
        `{"timestamp":"${timestamp}","expected":${expected},"observed":${observed},` +
          `"exceeded":${JSON.stringify(p.exceeded)},"score":${number(p.score)},"lower":${lower},"upper":${upper}${end}`,
      );
    }
  }
  // The optional member last, where the schema's serialiser put it.
  const modelJson = JSON.stringify({
    name: model.name,
    kind: model.kind,
    resolvedBy: model.resolvedBy,
    ...(model.version === undefined ? {} : { version: model.version }),
  });
  return (
    `{"status":"success","anomalies":[${anomalies.join(',')}],"predicted":[${predicted.join(',')}],` +
    `"metric":${JSON.stringify(metric)},"model":${modelJson}}`
  );
}

/** JSON has no NaN or Infinity: a value a model could not produce is null rather than a broken body. */
function number(value: number | undefined): string {
  return value !== undefined && Number.isFinite(value) ? String(value) : 'null';
}
