/** What the delivery-backpressure tests share, on the disk store and on Redis. */
import type { FastifyInstance } from 'fastify';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { expect } from 'vitest';
import type { Received } from './helpers.js';

/** POSTs `payload` and expects 200; its JSON. */
export async function ok(app: FastifyInstance, url: string, payload: object) {
  const res = await app.inject({ method: 'POST', url, payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/**
 * POSTs a block that the delivery bounds must refuse: 503 with Retry-After 1 (the tests' 200 ms attempts); its JSON.
 */
export async function refused(app: FastifyInstance, payload: object) {
  const res = await app.inject({ method: 'POST', url: '/detection', payload });
  expect(res.statusCode, res.body).toBe(503);
  expect(res.headers['retry-after']).toBe('1');
  return res.json();
}

/**
 * A scrape, which must parse: the value of metric `name`'s sample whose labels include `labels` (not histograms:
 * the parser drops their labels), the names of the metrics and the text.
 */
export async function scrape(app: FastifyInstance) {
  const res = await app.inject({ url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(res.body);
  const value = (name: string, labels: Record<string, string> = {}) => {
    const family = families.find((f) => f.name === name);
    const sample = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    return sample?.value === undefined ? undefined : Number(sample.value);
  };
  return Object.assign(value, { families: families.map((f) => f.name), text: res.body });
}

/** The /outliers dates received, once per idempotency key (a key sent again must carry the same request). */
export function deliveredOutlierDates(requests: readonly Received[]): string[] {
  const byKey = new Map<string, { path: string; body: unknown }>();
  for (const { headers, path, body } of requests) {
    const key = String(headers['idempotency-key']);
    expect(byKey.get(key) ?? { path, body }).toEqual({ path, body });
    byKey.set(key, { path, body });
  }
  return [...byKey.values()]
    .filter((r) => r.path === '/outliers')
    .flatMap((r) => (r.body as { dates: string[] }[]).flatMap((o) => o.dates));
}
