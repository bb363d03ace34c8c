/**
 * `trainer run-once --from/--to` as a person runs it (the real process): the Druid query covers the whole buckets
 * of the period, the model is published; bad flags stop it with exit code 2 and the flag's name.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startDruidStandIn } from '@outliers/druid/testing';
import { DiskModelStore } from '@outliers/model-store';
import { expect, it } from 'vitest';
import { asDruidResponse, TINY_TRAINING, trafficRows } from './fixtures.js';
import { tempDir } from './temp-dirs.js';

const MAIN = new URL('../src/main.ts', import.meta.url).pathname;

/** Runs the trainer's command line; resolves with its output, rejects with `code`, `stdout` and `stderr`. */
const trainer = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', '--conditions=source', MAIN, ...args]);

it('trains and publishes the whole buckets of a past period', { timeout: 60_000 }, async () => {
  const druid = await startDruidStandIn(() => ({
    body: asDruidResponse(trafficRows(47, 3_600_000, Date.parse('2024-05-28T11:00:00Z'))),
  }));
  try {
    const dir = await tempDir('run-once-');
    const config = join(dir, 'node.json');
    await writeFile(
      config,
      JSON.stringify({
        schedule: { cron: '0 3 * * *' },
        training: TINY_TRAINING,
        sensors: [{ name: 'edge-1', metrics: ['bytes', 'pkts'], granularities: ['PT1H'], lookBack: 'P2D' }],
        druid: { url: druid.url },
        store: { directory: join(dir, 'models') },
        publish: { rejectedDirectory: join(dir, 'rejected') },
      }),
    );
    const run = await trainer([
      'run-once',
      '--config',
      config,
      '--from',
      '2024-05-28T10:02:30Z',
      '--to',
      '2024-05-30T10:00:00Z',
    ]);
    expect(druid.queries.map((q) => (q as { intervals: string[] }).intervals)).toEqual([
      ['2024-05-28T11:00:00.000Z/2024-05-30T10:00:00.000Z'],
    ]);
    const outcome = JSON.parse(run.stdout.trim());
    expect(outcome).toMatchObject({ sensor: 'edge-1', published: true, rows: 47 });
    const manifest = await new DiskModelStore(join(dir, 'models')).manifest('edge-1');
    expect(manifest?.version).toBe(outcome.version);
  } finally {
    await druid.close();
  }
});

it.each([
  [['--from', 'last tuesday'], /^--from: not an ISO-8601 instant/],
  [
    ['--to', '2024-05-30T10:00:00Z', '--from', '2024-05-31'],
    /^--from: 2024-05-31T00:00:00.000Z is not before --to/,
  ],
  [['--from', '2999-01-01'], /^--from: 2999-01-01T00:00:00.000Z is in the future/],
])('run-once %j stops with exit 2, naming the flag', { timeout: 30_000 }, async (flags, message) => {
  await expect(trainer(['run-once', '--config', '/nonexistent.yaml', ...flags])).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringMatching(message),
  });
});
