import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/temp-dirs.js';
import { ConfigError, loadConfig, parseConfig } from './config.js';

const EXAMPLE = new URL('../../../deploy/trainer-node.example.yaml', import.meta.url).pathname;

const minimal = {
  schedule: { cron: '*/5 * * * *' },
  training: { epochs: 2, batchSize: 8, k: 5 },
  sensors: [{ name: 's1', file: 'data.csv', metrics: ['bytes'] }],
};

function issuesOf(text: string, file = 'node.json', env = {}): string[] {
  try {
    parseConfig(text, file, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('loads the deploy example and applies defaults', async () => {
    const config = await loadConfig(EXAMPLE);
    expect(config.node).toBe('trainer-eu-1');
    expect(config.sensors.map((s) => s.name)).toEqual(['ASR-edge-1', 'ASR-core-2', 'lab-sensor']);
    expect(config.sensors[0]?.granularities).toHaveLength(6);
    expect(config.s3).toMatchObject({ bucket: 'outliers-models', prefix: 'models', region: 'eu-west-1' });
    expect(config.worker.maxStalledCount).toBe(2);
  });

  it('reads JSON and YAML alike, defaults the optional sections', async () => {
    const dir = await tempDir('trainer-config-');
    await writeFile(join(dir, 'a.json'), JSON.stringify(minimal));
    await writeFile(
      join(dir, 'a.yml'),
      "schedule: {cron: '*/5 * * * *'}\ntraining: {epochs: 2, batchSize: 8, k: 5}\nsensors:\n  - {name: s1, file: data.csv, metrics: [bytes]}\n",
    );
    const fromJson = await loadConfig(join(dir, 'a.json'));
    expect(await loadConfig(join(dir, 'a.yml'))).toEqual(fromJson);
    expect(fromJson.publish).toEqual({
      keepVersions: 5,
      maxLossRatio: 1.5,
      rejectedDirectory: 'var/rejected-models',
    });
    expect(fromJson.worker.lockDurationMs).toBe(60_000);
    expect(fromJson.store.directory).toBe('var/models');
  });

  it('lets environment variables override connection settings', () => {
    const config = parseConfig(
      JSON.stringify({ ...minimal, redis: { url: 'redis://file:6379' }, s3: { bucket: 'from-file' } }),
      'node.json',
      {
        REDIS_URL: 'redis://env:6380',
        S3_BUCKET: 'from-env',
        S3_ENDPOINT: 'http://127.0.0.1:4568',
        DRUID_URL: 'http://broker:8082',
        AWS_ACCESS_KEY_ID: 'AK',
        AWS_SECRET_ACCESS_KEY: 'SK',
      },
    );
    expect(config.redis?.url).toBe('redis://env:6380');
    expect(config.s3).toMatchObject({
      bucket: 'from-env',
      endpoint: 'http://127.0.0.1:4568',
      accessKeyId: 'AK',
    });
    expect(config.druid).toEqual({ url: 'http://broker:8082', dataSource: 'rb_flow', timeoutMs: 90_000 });
  });

  it('does not turn S3 on from credentials alone (a disk node with AWS variables in its environment)', () => {
    const env = { AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'SK', S3_PREFIX: 'p', REDIS_PREFIX: 'x' };
    const config = parseConfig(JSON.stringify(minimal), 'node.json', env);
    expect(config.s3).toBeUndefined();
    expect(config.redis).toBeUndefined();
    const withBucket = parseConfig(JSON.stringify(minimal), 'node.json', { ...env, S3_BUCKET: 'b' });
    expect(withBucket.s3).toMatchObject({
      bucket: 'b',
      prefix: 'p',
      accessKeyId: 'AK',
      secretAccessKey: 'SK',
    });
  });
});

describe('bad configuration files', () => {
  it('names a missing key', () => {
    const { training: _, ...noTraining } = minimal;
    expect(issuesOf(JSON.stringify(noTraining))).toContain('training: Expected required property (missing)');
  });

  it('names the key of a wrong-typed value inside a sensor', () => {
    const bad = {
      ...minimal,
      sensors: [minimal.sensors[0], { name: 's2', file: 'x.csv', metrics: 'bytes' }],
    };
    const issues = issuesOf(JSON.stringify(bad));
    expect(issues.some((i) => i.startsWith('sensors[1].metrics: Expected array'))).toBe(true);
  });

  it('names an unknown key (typos are not silently ignored)', () => {
    const issues = issuesOf(JSON.stringify({ ...minimal, training: { ...minimal.training, epoch: 3 } }));
    expect(issues.some((i) => i.startsWith('training.epoch:'))).toBe(true);
  });

  it('rejects non-positive numbers and bad look-backs', () => {
    const bad = {
      ...minimal,
      training: { epochs: 0, batchSize: 8, k: 5 },
      sensors: [{ ...minimal.sensors[0], lookBack: 'P1M' }],
    };
    const issues = issuesOf(JSON.stringify(bad));
    expect(issues.some((i) => i.startsWith('training.epochs:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('sensors[0].lookBack:'))).toBe(true);
  });

  it('rejects a bad cron pattern, duplicate sensors, Druid sensors without Druid', () => {
    const bad = {
      ...minimal,
      schedule: { cron: 'every day' },
      sensors: [minimal.sensors[0], minimal.sensors[0], { name: 'd', metrics: ['bytes'] }],
    };
    const issues = issuesOf(JSON.stringify(bad));
    expect(issues.some((i) => i.startsWith('schedule.cron: invalid cron pattern'))).toBe(true);
    expect(issues).toContain('sensors[1].name: duplicate sensor "s1"');
    expect(issues).toContain('sensors[2]: needs "file" or a "druid" section to read training data from');
    expect(issues).toContain('sensors[2].granularities: required when training data comes from Druid');
  });

  it('rejects unknown granularities and look-backs too short for one training window', () => {
    const druidSensor = { name: 'd', metrics: ['bytes'], lookBack: 'P1D' };
    const bad = {
      ...minimal,
      druid: { url: 'http://broker:8082' },
      sensors: [{ ...druidSensor, granularities: ['PT5M', 'fortnightly', 'all', 'PT1H'] }],
    };
    const issues = issuesOf(JSON.stringify(bad));
    expect(issues).toEqual([
      'sensors[0].granularities[1]: unknown granularity "fortnightly"',
      'sensors[0].granularities[2]: "all" has no fixed bucket length to train at',
      'sensors[0].granularities[3]: PT1H over lookBack P1D gives 24 rows, fewer than one training window (32); lengthen lookBack or drop it',
    ]);
    // a smaller window or a longer look-back makes PT1H trainable
    const ok = { ...bad, sensors: [{ ...druidSensor, granularities: ['hour'], lookBack: '2d' }] };
    expect(parseConfig(JSON.stringify(ok), 'ok.json').sensors[0]?.granularities).toEqual(['hour']);
  });

  it('names connection URLs of the wrong scheme, from the file or the environment', () => {
    const issues = issuesOf(JSON.stringify({ ...minimal, druid: { url: 'broker:8082' } }), 'n.json', {
      REDIS_URL: 'localhost:6379',
    });
    expect(issues).toEqual([
      "druid.url: Expected string to match '^https?://'",
      "redis.url: Expected string to match '^rediss?://'",
    ]);
  });

  it('reports syntax errors, unknown extensions, non-mappings and unreadable files', async () => {
    expect(issuesOf('{"schedule": ', 'n.json')[0]).toMatch(/^cannot parse JSON/);
    expect(issuesOf('a: [1, 2', 'n.yaml')[0]).toMatch(/^cannot parse YAML/);
    expect(issuesOf('[]', 'n.json')).toEqual(['(root): expected a mapping of settings']);
    expect(issuesOf('{}', 'n.toml')[0]).toMatch(/unknown file type ".toml"/);
    await expect(loadConfig('/nonexistent/trainer.yaml')).rejects.toThrow(/cannot read file/);
  });

  it('puts the file name and every issue in the message', () => {
    expect(() => parseConfig('{}', '/etc/outliers/trainer.json')).toThrow(
      /invalid trainer configuration \/etc\/outliers\/trainer.json:\n {2}schedule: .*\n {2}training: .*\n {2}sensors: /,
    );
  });
});
