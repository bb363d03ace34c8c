/**
 * The trainer node's configuration: one file per node (JSON or YAML, as Chef renders it), validated once at startup
 * and passed down. Environment variables override the connection settings only (see ENV_OVERRIDES); nothing else in
 * the trainer reads `process.env`.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { granularitySeconds, parseGranularity } from '@outliers/druid';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { getNextMillis } from 'bullmq';
import { parse as parseYaml } from 'yaml';
import { lookBackMs } from './training/look-back.js';

const NonEmpty = Type.String({ minLength: 1 });
const PositiveInt = Type.Integer({ minimum: 1 });

/** ISO-8601 period (P1D, PT24H, PT30M) or a short form (24h, 30m, 7d): how far back training data reaches. */
const LookBack = Type.String({
  pattern: '^(P(\\d+W)?(\\d+D)?(T(\\d+H)?(\\d+M)?(\\d+S)?)?|\\d+[smhdw])$',
  description: 'ISO-8601 period like P1D / PT6H, or 24h / 30m / 7d',
});

export const SensorSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9._-]+$', description: 'model name in the store' }),
    /** Druid filter for this sensor's rows (any Druid filter object). @defaultValue selector sensor_name = name */
    filter: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    metrics: Type.Array(NonEmpty, { minItems: 1 }),
    /** Druid granularities to train at (period strings like PT1M, or simple names like minute, hour). */
    granularities: Type.Optional(Type.Array(NonEmpty, { minItems: 1 })),
    lookBack: Type.Optional(LookBack),
    /** File with training data instead of Druid: a Druid timeseries response (.json) or a CSV (.csv). */
    file: Type.Optional(NonEmpty),
  },
  { additionalProperties: false },
);

export const TrainingSettingsSchema = Type.Object(
  {
    epochs: PositiveInt,
    batchSize: PositiveInt,
    /** Threshold multiplier: mean + k standard deviations of the training reconstruction error. */
    k: Type.Number({ exclusiveMinimum: 0 }),
    /** Rows per window (the autoencoder's input length). */
    window: Type.Optional(PositiveInt),
    stride: Type.Optional(PositiveInt),
    seed: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);

const PublishSchema = Type.Object(
  {
    /** Versions kept per sensor after each publish (older ones pruned; the active one never is). */
    keepVersions: Type.Integer({ minimum: 1, default: 5 }),
    /**
     * A new model is "clearly worse" and not published when its validation loss exceeds the current model's by this
     * factor. Reconstruction losses of models trained on consecutive days vary by tens of percent; 1.5 leaves room.
     */
    maxLossRatio: Type.Number({ exclusiveMinimum: 1, default: 1.5 }),
    /** Where models that were not published are kept aside (local directory). */
    rejectedDirectory: Type.String({ minLength: 1, default: 'var/rejected-models' }),
  },
  { additionalProperties: false },
);

const DruidSchema = Type.Object(
  {
    /** Broker base URL; queries go to `{url}/druid/v2/`. */
    url: Type.String({ pattern: '^https?://' }),
    dataSource: Type.String({ minLength: 1, default: 'rb_flow' }),
    timeoutMs: Type.Integer({ minimum: 1, default: 90_000 }),
  },
  { additionalProperties: false },
);

const RedisSchema = Type.Object(
  {
    url: Type.String({ pattern: '^rediss?://' }),
    /** Key prefix of the BullMQ queues (several clusters can share one Redis). */
    prefix: Type.String({ minLength: 1, default: 'outliers' }),
  },
  { additionalProperties: false },
);

const S3Schema = Type.Object(
  {
    bucket: NonEmpty,
    prefix: Type.String({ default: 'models' }),
    region: Type.String({ minLength: 1, default: 'us-east-1' }),
    endpoint: Type.Optional(Type.String({ pattern: '^https?://' })),
    accessKeyId: Type.Optional(NonEmpty),
    secretAccessKey: Type.Optional(NonEmpty),
  },
  { additionalProperties: false },
);

const StoreSchema = Type.Object(
  {
    /** Local model directory, used when no S3 is configured. */
    directory: Type.String({ minLength: 1, default: 'var/models' }),
  },
  { additionalProperties: false },
);

/**
 * Worker robustness settings. A job whose node dies is taken over by another node within
 * max(lockDurationMs, stalledIntervalMs) + stalledIntervalMs (the dead node's lock expires, then a live worker's
 * two-phase stalled check moves the job back to wait; see takeoverBoundMs) plus one fetch.
 */
const WorkerSchema = Type.Object(
  {
    lockDurationMs: Type.Integer({ minimum: 100, default: 60_000 }),
    stalledIntervalMs: Type.Integer({ minimum: 100, default: 30_000 }),
    /** Stalls tolerated before a job fails: a node dying twice under the same job fails it. */
    maxStalledCount: Type.Integer({ minimum: 0, default: 2 }),
    attempts: Type.Integer({ minimum: 1, default: 3 }),
    /** First retry delay; doubles on each attempt (exponential backoff). */
    backoffMs: Type.Integer({ minimum: 0, default: 60_000 }),
    keepCompleted: Type.Integer({ minimum: 0, default: 1000 }),
    keepFailed: Type.Integer({ minimum: 0, default: 5000 }),
    /** On SIGTERM, how long the current job may run before the worker releases it to another node. */
    shutdownGraceMs: Type.Integer({ minimum: 0, default: 120_000 }),
  },
  { additionalProperties: false },
);

export const NodeConfigSchema = Type.Object(
  {
    /** Name of this node in logs and on the jobs it processes. */
    node: Type.Optional(NonEmpty),
    schedule: Type.Object(
      { cron: NonEmpty, timezone: Type.Optional(NonEmpty) },
      { additionalProperties: false },
    ),
    training: TrainingSettingsSchema,
    publish: Type.Optional(PublishSchema),
    sensors: Type.Array(SensorSchema, { minItems: 1 }),
    druid: Type.Optional(DruidSchema),
    redis: Type.Optional(RedisSchema),
    s3: Type.Optional(S3Schema),
    store: Type.Optional(StoreSchema),
    worker: Type.Optional(WorkerSchema),
  },
  { additionalProperties: false },
);

export type SensorConfig = Static<typeof SensorSchema>;
export type TrainingSettings = Static<typeof TrainingSettingsSchema>;
export type DruidSettings = Static<typeof DruidSchema>;
export type RedisSettings = Static<typeof RedisSchema>;
export type S3Settings = Static<typeof S3Schema>;
export type WorkerSettings = Static<typeof WorkerSchema>;
export type PublishSettings = Static<typeof PublishSchema>;
type RawNodeConfig = Static<typeof NodeConfigSchema>;

/** The validated configuration, defaults applied. */
export interface TrainerConfig extends Omit<RawNodeConfig, 'publish' | 'store' | 'worker' | 'node'> {
  node: string;
  publish: PublishSettings;
  store: { directory: string };
  worker: WorkerSettings;
}

/** A configuration file that cannot be used; `issues` name each offending key as a path (`sensors[1].metrics`). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly issues: string[],
  ) {
    super(`invalid trainer configuration ${file}:\n  ${issues.join('\n  ')}`);
  }
}

/**
 * Environment variables that override connection settings (deployment secrets and endpoints are not in Chef's
 * file). Each maps to a key path of the file.
 */
export const ENV_OVERRIDES: Record<string, string> = {
  DRUID_URL: 'druid.url',
  REDIS_URL: 'redis.url',
  REDIS_PREFIX: 'redis.prefix',
  S3_BUCKET: 's3.bucket',
  S3_PREFIX: 's3.prefix',
  S3_ENDPOINT: 's3.endpoint',
  S3_REGION: 's3.region',
  AWS_ACCESS_KEY_ID: 's3.accessKeyId',
  AWS_SECRET_ACCESS_KEY: 's3.secretAccessKey',
};

/** Reads, parses (by extension: .json, .yaml/.yml) and validates a node configuration file. */
export async function loadConfig(
  file: string,
  env: Record<string, string | undefined> = {},
): Promise<TrainerConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read file: ${(err as Error).message}`]);
  }
  return parseConfig(text, file, env);
}

/** Parses and validates configuration text; `file` names the source in errors and selects the syntax. */
export function parseConfig(
  text: string,
  file: string,
  env: Record<string, string | undefined> = {},
): TrainerConfig {
  const raw = parseText(text, file);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, ['(root): expected a mapping of settings']);
  }
  applyEnvOverrides(raw as Record<string, unknown>, env);
  const withDefaults = Value.Default(NodeConfigSchema, raw);
  const issues = [...Value.Errors(NodeConfigSchema, withDefaults)].map(
    (e) => `${keyPath(e.path)}: ${e.message}${e.value === undefined ? ' (missing)' : ''}`,
  );
  const config = withDefaults as RawNodeConfig;
  if (issues.length === 0) issues.push(...semanticIssues(config));
  if (issues.length > 0) throw new ConfigError(file, dedupe(issues));
  return {
    ...config,
    node: config.node ?? 'trainer',
    publish: Value.Default(PublishSchema, config.publish ?? {}) as PublishSettings,
    store: Value.Default(StoreSchema, config.store ?? {}) as { directory: string },
    worker: Value.Default(WorkerSchema, config.worker ?? {}) as WorkerSettings,
  };
}

function parseText(text: string, file: string): unknown {
  const ext = extname(file).toLowerCase();
  try {
    if (ext === '.json') return JSON.parse(text);
    if (ext === '.yaml' || ext === '.yml') return parseYaml(text);
  } catch (err) {
    throw new ConfigError(file, [`cannot parse ${ext.slice(1).toUpperCase()}: ${(err as Error).message}`]);
  }
  throw new ConfigError(file, [`unknown file type "${ext}": use .json, .yaml or .yml`]);
}

/**
 * The key whose variable may create its section: AWS credentials in a node's environment must not conjure an S3
 * store on a node that uses its disk, so only S3_BUCKET (DRUID_URL, REDIS_URL) turns a section on.
 */
const SECTION_KEYS: Record<string, string> = { druid: 'url', redis: 'url', s3: 'bucket' };

function applyEnvOverrides(raw: Record<string, unknown>, env: Record<string, string | undefined>): void {
  const overrides = Object.entries(ENV_OVERRIDES).flatMap(([name, path]) => {
    const value = env[name];
    const [section, key] = path.split('.') as [string, string];
    return value === undefined || value === '' ? [] : [{ section, key, value }];
  });
  const creates = (o: { section: string; key: string }) => SECTION_KEYS[o.section] === o.key;
  // Section-creating keys first, so that the others find their section.
  for (const { section, key, value } of [
    ...overrides.filter(creates),
    ...overrides.filter((o) => !creates(o)),
  ]) {
    const current = raw[section];
    const exists = current !== null && typeof current === 'object' && !Array.isArray(current);
    if (!exists && SECTION_KEYS[section] !== key) continue;
    const target = exists ? (current as Record<string, unknown>) : {};
    target[key] = value;
    raw[section] = target;
  }
}

/** Rules the schema cannot express. */
function semanticIssues(config: RawNodeConfig): string[] {
  const issues: string[] = [];
  try {
    getNextMillis(Date.now(), { pattern: config.schedule.cron, tz: config.schedule.timezone });
  } catch (err) {
    issues.push(`schedule.cron: invalid cron pattern "${config.schedule.cron}" (${(err as Error).message})`);
  }
  const seen = new Set<string>();
  config.sensors.forEach((sensor, i) => {
    if (seen.has(sensor.name)) issues.push(`sensors[${i}].name: duplicate sensor "${sensor.name}"`);
    seen.add(sensor.name);
    if (sensor.file === undefined && config.druid === undefined) {
      issues.push(`sensors[${i}]: needs "file" or a "druid" section to read training data from`);
    }
    if (sensor.file === undefined && sensor.granularities === undefined) {
      issues.push(`sensors[${i}].granularities: required when training data comes from Druid`);
    }
    issues.push(...granularityIssues(sensor, i, config.training.window ?? DEFAULT_WINDOW));
  });
  if (config.s3 && (config.s3.accessKeyId === undefined) !== (config.s3.secretAccessKey === undefined)) {
    issues.push('s3: accessKeyId and secretAccessKey go together');
  }
  return issues;
}

/** Rows per training window when `training.window` is not set (core's default, the reference's 32). */
const DEFAULT_WINDOW = 32;
/** Look-back when a sensor configures none: the last 24 hours, as the reference trained. */
export const DEFAULT_LOOK_BACK = 'P1D';

/**
 * Each granularity must be one Druid knows, and the look-back must hold at least one training window of it:
 * otherwise that granularity could never be trained (1 day at PT1H is 24 rows, fewer than a window of 32).
 */
function granularityIssues(sensor: SensorConfig, i: number, window: number): string[] {
  const issues: string[] = [];
  const span = lookBackMs(sensor.lookBack ?? DEFAULT_LOOK_BACK);
  sensor.granularities?.forEach((text, g) => {
    const key = `sensors[${i}].granularities[${g}]`;
    let seconds: number;
    try {
      const granularity = parseGranularity(text, key);
      if (granularity.kind !== 'period' && granularity.kind !== 'duration') {
        issues.push(`${key}: "${text}" has no fixed bucket length to train at`);
        return;
      }
      seconds = granularitySeconds(granularity);
    } catch (err) {
      issues.push(`${key}: ${(err as Error).message.replace(`${key}: `, '')}`);
      return;
    }
    const rows = Math.floor(span / (seconds * 1000));
    if (rows < window) {
      issues.push(
        `${key}: ${text} over lookBack ${sensor.lookBack ?? DEFAULT_LOOK_BACK} gives ${rows} rows, fewer than one training window (${window}); lengthen lookBack or drop it`,
      );
    }
  });
  return issues;
}

/** TypeBox paths (`/sensors/0/name`) as the key paths a person edits (`sensors[0].name`). */
export function keyPath(pointer: string): string {
  if (pointer === '') return '(root)';
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

function dedupe(items: string[]): string[] {
  return [...new Set(items)];
}
