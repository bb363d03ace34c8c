/**
 * "Train a model and serve it", as the README shows it: the CLI (`pnpm train`, run as its own process from the
 * TypeScript sources) trains a small autoencoder on a file and publishes it into a model store; an executor on that
 * store, found only through its configuration (MODEL_DIR, or S3_*), serves that version on /api/v1/outliers.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestS3, type TestS3 } from '@outliers/model-store/testing';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { OutliersReply } from '../src/schemas/druid-query.js';
import { tempDir } from './support/helpers.js';
import { base64, druidResponse, HOUR, START, startMetricApp, trafficRows } from './support/metric-support.js';

const TRAIN = new URL('../../../packages/cli/src/train.ts', import.meta.url).pathname;
/** Ten days of hourly traffic; the period flags pick days 2 to 9 of it. */
const FROM = new Date(START + 2 * 24 * HOUR).toISOString();
const TO = new Date(START + 9 * 24 * HOUR).toISOString();
/** Small and quick: a few epochs over windows of 8 rows. */
const TINY = ['--epochs', '3', '--window', '8', '--stride', '4', '--seed', '1'];

let dir: Awaited<ReturnType<typeof tempDir>>;
let input: string;
let s3: TestS3;
beforeAll(async () => {
  dir = await tempDir();
  input = join(dir.path, 'traffic.json');
  await writeFile(input, JSON.stringify(druidResponse(trafficRows(24 * 10))));
  s3 = await startTestS3('models');
});
afterAll(async () => {
  await s3?.close();
  await dir?.remove();
});

/** Runs `pnpm train`'s script; resolves with its output, rejects with `code`, `stdout` and `stderr`. */
const train = (args: string[], env: Record<string, string> = {}) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', '--conditions=source', TRAIN, ...args], {
    env: { ...process.env, ...env },
  });

/** The version the CLI reports it published. */
function publishedVersion(stdout: string, name: string): string {
  const version = new RegExp(`^published ${name} version (\\S+) to `, 'm').exec(stdout)?.[1];
  expect(version, stdout).toBeDefined();
  return version!;
}

/** Starts an executor with `env`, listening on 127.0.0.1, and asks it to detect with model `name`. */
async function detectWith(env: Record<string, string>, name: string): Promise<OutliersReply> {
  const ctx = await startMetricApp({ env });
  try {
    const url = await ctx.app.listen({ host: '127.0.0.1', port: 0 });
    const week = trafficRows(24 * 7, { start: START + 10 * 24 * HOUR, phase: 1.3 });
    const res = await fetch(`${url}/api/v1/outliers`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ data: base64(druidResponse(week)), model: base64(name) }).toString(),
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    return JSON.parse(text) as OutliersReply;
  } finally {
    await ctx.close();
  }
}

it('pnpm train --publish into a directory: the executor on MODEL_DIR serves that version', {
  timeout: 60_000,
}, async () => {
  const store = join(dir.path, 'models');
  const run = await train([
    '--input',
    input,
    '--publish',
    'edge-7',
    '--store',
    store,
    '--from',
    FROM,
    '--to',
    TO,
    ...TINY,
  ]);
  const version = publishedVersion(run.stdout, 'edge-7');

  // The trainer's layout: the primary network at the root, the same one under its granularity, the index, and the
  // manifest naming the version, with the facts the trainer compares a next version against.
  const latest = JSON.parse(await readFile(join(store, 'edge-7', 'latest.json'), 'utf8'));
  expect(latest).toMatchObject({ name: 'edge-7', version });
  expect(Object.keys(latest.files).sort()).toEqual(
    [
      'PT1H.metadata.json',
      'PT1H.model.json',
      'PT1H.weights.bin',
      'granularities.json',
      'metadata.json',
      'model.json',
      'weights.bin',
    ].sort(),
  );
  expect(latest.metadata).toMatchObject({
    primaryGranularity: 'PT1H',
    granularities: ['PT1H'],
    validationLoss: expect.any(Number),
    // [--from, --to) holds 7 of the file's 10 days.
    rows: 7 * 24,
  });

  const reply = await detectWith({ MODEL_DIR: store }, 'edge-7');
  expect(reply.status).toBe('success');
  expect(reply.model).toEqual({ name: 'edge-7', kind: 'autoencoder', version, resolvedBy: 'model' });
  expect(reply.predicted).toHaveLength(24 * 7);
});

it('pnpm train --publish with the executor S3 variables: the executor on the same bucket serves it', {
  timeout: 60_000,
}, async () => {
  const env = { S3_BUCKET: s3.bucket, S3_ENDPOINT: s3.endpoint, S3_PREFIX: 'cli/', S3_REGION: 'us-east-1' };
  const credentials = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
  const run = await train(['--input', input, '--publish', 'edge-8', ...TINY], { ...env, ...credentials });
  const version = publishedVersion(run.stdout, 'edge-8');
  expect(run.stdout).toContain(`to s3://${s3.bucket}/cli/`);
  expect((await s3.store('cli/').manifest('edge-8'))?.version).toBe(version);

  vi.stubEnv('AWS_ACCESS_KEY_ID', credentials.AWS_ACCESS_KEY_ID);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', credentials.AWS_SECRET_ACCESS_KEY);
  try {
    const reply = await detectWith(env, 'edge-8');
    expect(reply.model).toEqual({ name: 'edge-8', kind: 'autoencoder', version, resolvedBy: 'model' });
  } finally {
    vi.unstubAllEnvs();
  }
});

it.concurrent.each([
  [['--from', 'monday'], /^train: --from: not an ISO-8601 instant/m],
  [['--from', TO, '--to', FROM], /^train: --from: .* is not before --to/m],
  [
    ['--from', '2030-01-01'],
    /^train: --from: no rows of .*traffic\.json in \[2030-01-01T00:00:00\.000Z, ∞\)/m,
  ],
  [['--publish', '../x'], /^train: --publish: invalid model name/m],
  [['--publish', 'x'], /^train: --store: needed unless MODEL_DIR or S3_BUCKET/m],
  [['--out', '/tmp/unused', '--store', '/tmp/unused'], /^train: --store: only with --publish/m],
])('pnpm train %j fails naming the flag', { timeout: 30_000 }, async (flags, message) => {
  const env = { MODEL_DIR: '', S3_BUCKET: '' };
  const args =
    flags.includes('--out') || flags.includes('--publish') ? flags : [...flags, '--out', '/tmp/unused'];
  await expect(train(['--input', input, ...args], env)).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringMatching(message),
  });
});
