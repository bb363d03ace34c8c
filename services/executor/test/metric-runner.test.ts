import { describe, expect, it } from 'vitest';
import { createMetricRunner } from '../src/detection/metric-runner.js';
import type { MetricWork } from '../src/detection/metric-work.js';
import { base64, druidResponse, trafficRows } from './support/metric-support.js';

describe('metric runner', () => {
  it('finishes every task under way when closed, queued ones included', async () => {
    const runner = createMetricRunner({ workers: 2, k: undefined });
    const work: MetricWork = {
      rows: { data: { base64: base64(druidResponse(trafficRows(1440, { stepMs: 60_000 }))) } },
      metric: 'bytes',
      model: { name: 'shallow', kind: 'shallow', resolvedBy: 'fallback' },
    };
    // Two threads: two tasks run, six wait in the pool's queue when close is called.
    const tasks = Array.from({ length: 8 }, () => runner.detect(work, null));
    await runner.close();
    const results = await Promise.allSettled(tasks);
    expect(results.map((r) => r.status)).toEqual(Array(8).fill('fulfilled'));
    for (const r of results) {
      expect(r.status === 'fulfilled' && JSON.parse(r.value.toString()).status).toBe('success');
    }
  }, 30_000);
});
