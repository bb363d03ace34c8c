import { Pool } from 'undici';
import { describe, expect, it } from 'vitest';
import { exited, startChild } from './support/child-executor.js';
import { tempDir } from './support/helpers.js';
import { base64, druidResponse, formRequest, trafficRows } from './support/metric-support.js';

describe('graceful shutdown', () => {
  it('answers the requests in flight on keep-alive connections at SIGTERM, then exits at once', async () => {
    const dir = await tempDir();
    const { child, url } = await startChild({
      STATE_DIR: `${dir.path}/state`,
      MODEL_DIR: `${dir.path}/models`,
      // Far above the bound checked below: a close that waits for a connection shows as a slow exit.
      SHUTDOWN_TIMEOUT_MS: '15000',
    });
    const pool = new Pool(url, { connections: 8 });
    try {
      // A day of 1-minute rows: each request keeps a metric worker busy for milliseconds.
      const { headers, payload } = formRequest({
        data: base64(druidResponse(trafficRows(1440, { stepMs: 60_000 }))),
      });
      const send = async () => {
        const res = await pool.request({ path: '/api/v1/outliers', method: 'POST', headers, body: payload });
        await res.body.dump();
        return res.statusCode;
      };
      expect(await Promise.all(Array.from({ length: 8 }, send))).toEqual(Array(8).fill(200));

      // Eight more on the open connections; SIGTERM when the first is answered, the others still running.
      let signalledAt = 0;
      const statuses = await Promise.all(
        Array.from({ length: 8 }, () =>
          send().then((status) => {
            if (signalledAt === 0) {
              signalledAt = Date.now();
              child.kill('SIGTERM');
            }
            return status;
          }),
        ),
      );
      const code = await exited(child);
      // Each one answered (no reset connection): those being handled with 200, any not yet read with 503.
      expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
      expect(code).toBe(0);
      // Fastify alone would keep each of those connections open for its 72 s keep-alive timeout.
      expect(Date.now() - signalledAt).toBeLessThan(5_000);
    } finally {
      await pool.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await dir.remove();
    }
  }, 30_000);
});
