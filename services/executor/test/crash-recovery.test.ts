import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChild } from './support/child-executor.js';
import { Receiver, tempDir } from './support/helpers.js';
import {
  asDelivered,
  BLOCKS,
  blockBody,
  deliveredOutliers,
  history,
  initBody,
  post,
  STATIONS,
  uninterruptedHistories,
} from './support/replayed-streams.js';

describe('kill -9 mid-stream', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = new Receiver();
    await receiver.start();
  });
  afterAll(() => receiver.stop());

  it('continues after a restart with the same outliers as an uninterrupted run', {
    timeout: 120_000,
  }, async () => {
    const expected = await uninterruptedHistories();
    // Both kinds flag something, so the comparison below checks the default detector's restored state too.
    const flagged = new Set([...expected.values()].flat().map((e) => e.variable));
    expect([...flagged].sort()).toEqual(['a', 'b', 'c']);

    // Interrupted run: a child process killed with SIGKILL while requests are in flight, then restarted.
    const dir = await tempDir();
    // Stations in two worker threads, then, after the crash, in one: the state on disk does not depend on them.
    const env = { STATE_DIR: dir.path, DATA_SERVER_ENDPOINT: receiver.url, OUTBOX_ACK_FLUSH_MS: '50' };
    let { child, url } = await startChild({ ...env, STATION_WORKERS: '2' });
    const acknowledged = STATIONS.map(() => -1);
    for (let s = 0; s < STATIONS.length; s++)
      expect((await post(`${url}/initialize`, initBody(s))).status).toBe(200);
    const killAt = 7;
    for (let k = 0; k <= killAt; k++) {
      await Promise.all(
        STATIONS.map(async (_, s) => {
          if (k === killAt) {
            // In flight when the process dies: may or may not have been committed.
            void post(`${url}/detection`, blockBody(s, k)).catch(() => undefined);
            return;
          }
          const res = await post(`${url}/detection`, blockBody(s, k));
          if (res.status === 200) acknowledged[s] = k;
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    ({ child, url } = await startChild({ ...env, STATION_WORKERS: '1' }));
    try {
      // The client re-sends from its first unacknowledged block (and one acknowledged one again).
      for (let s = 0; s < STATIONS.length; s++) {
        for (let k = acknowledged[s]!; k < BLOCKS; k++) {
          expect((await post(`${url}/detection`, blockBody(s, k))).status).toBe(200);
        }
      }
      for (const station of STATIONS) expect(await history(url, station)).toEqual(expected.get(station));

      // Every outlier reached the data server; repeats only under the same Idempotency-Key.
      await receiver.waitFor(
        (r) => r.filter((x) => x.path === '/outliers/validate').length >= STATIONS.length * BLOCKS,
        15_000,
      );
      expect(deliveredOutliers(receiver.requests)).toEqual(asDelivered(expected));
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await dir.remove();
    }
  });
});
