import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { MODEL_NAME_PATTERN } from '@outliers/model-store';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { StartupError } from './errors.js';

/**
 * The executor's whole configuration: one TypeBox schema over the environment, parsed once at startup (fail fast)
 * and passed down. Nothing else reads `process.env`; `.env.example` lists every key.
 * To add keys (e.g. the metric-detection API), add properties here and to `.env.example`.
 */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** When set, logs also go to `${LOG_DIR}/executor.log` (stdout always). */
  LOG_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** Station state, outbox and outlier history; created if missing. */
  STATE_DIR: Type.String({ minLength: 1, default: './var/state' }),
  /** fsync every state write (survives power loss; kill -9 is survived without it: the page cache stays). */
  STATE_FSYNC: Type.Boolean({ default: false }),
  /** Stations kept in memory with their detectors; the least recently used idle ones beyond it are dropped. 0: all. */
  MAX_RESIDENT_STATIONS: Type.Integer({ minimum: 0, default: 20000 }),
  /**
   * Worker threads for the station API: each owns the stations of its shard (detectors, state files, outbox) and
   * the event loop only parses, validates and routes. Default: one per core, 0 (the event loop) on one core.
   */
  STATION_WORKERS: Type.Integer({
    minimum: 0,
    default: availableParallelism() > 1 ? availableParallelism() : 0,
  }),
  /**
   * State files kept open between writes (two per station, plus history files); keep below `ulimit -n`. Default:
   * half the process's open-file limit (Node raises it to the hard limit), at most 65,536; 4096 if unknown.
   */
  STATE_OPEN_FILES: Type.Integer({ minimum: 16, default: openFilesDefault() }),
  /** Log every request (Fastify's "incoming request" / "request completed" at info); errors are always logged. */
  LOG_REQUESTS: Type.Boolean({ default: false }),
  /** Outliers kept per station in the readable history (GET /stations/:id/outliers). */
  OUTLIER_HISTORY_LIMIT: Type.Integer({ minimum: 1, default: 10000 }),
  /**
   * Connections accepted at once; beyond it new ones are closed at once, so sockets never take the file
   * descriptors state writes and deliveries need. Default: a quarter of the open-file limit.
   */
  MAX_CONNECTIONS: Type.Integer({ minimum: 1, default: connectionsDefault() }),
  /** A request (headers and body) must arrive within this; a client that is slower is answered 408 and closed. */
  REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 30000 }),
  /** The headers must arrive within this (at most REQUEST_TIMEOUT_MS). */
  HEADERS_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 10000 }),
  /** A connection that sends and receives nothing for this long is closed. */
  IDLE_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 60000 }),
  /** Request body limit in bytes of routes without their own (below); larger bodies get 400. */
  BODY_LIMIT: Type.Integer({ minimum: 1024, default: 4 * 1024 * 1024 }),
  /** Body limit of /initialize and /detection (JSON); unset: BODY_LIMIT. */
  BODY_LIMIT_STATION: Type.Optional(Type.Integer({ minimum: 1024 })),
  /** Body limit of the metric routes' form and JSON bodies; unset: BODY_LIMIT. */
  BODY_LIMIT_METRIC: Type.Optional(Type.Integer({ minimum: 1024 })),
  /** Limit of a multipart body (declared length) and of each of its fields on the metric routes; unset: BODY_LIMIT. */
  BODY_LIMIT_MULTIPART: Type.Optional(Type.Integer({ minimum: 1024 })),
  /**
   * Longest station id, in UTF-16 code units (ids are free text, hashed for file names). The router refuses a
   * longer URL parameter (414) before any schema sees it.
   */
  MAX_ID_LENGTH: Type.Integer({ minimum: 1, maximum: 65_536, default: 256 }),
  /**
   * Variables one /initialize may give a station (the contract's stations send a handful). Each costs a detector,
   * state written per block and work per sample: without a bound, one station could stall its whole thread.
   */
  MAX_VARIABLES_PER_STATION: Type.Integer({ minimum: 1, default: 256 }),
  /** Samples one /detection block may hold (a day of 15-minute samples is 96; the rest leaves room for backlogs). */
  MAX_SAMPLES_PER_BLOCK: Type.Integer({ minimum: 1, default: 10_000 }),
  /** Data server base URL; without it outliers are only kept locally. */
  DATA_SERVER_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Timeout of one delivery attempt. */
  OUTBOX_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 5000 }),
  /** First retry delay; doubles per attempt up to OUTBOX_RETRY_MAX_MS, with full jitter. */
  OUTBOX_RETRY_BASE_MS: Type.Integer({ minimum: 1, default: 200 }),
  OUTBOX_RETRY_MAX_MS: Type.Integer({ minimum: 1, default: 30000 }),
  /** Stations delivered in parallel (each station's entries stay in order). */
  OUTBOX_CONCURRENCY: Type.Integer({ minimum: 1, default: 16 }),
  /**
   * How long delivered entries may stay on disk before their removal is written, if no block writes it first
   * (a crash re-sends them, under the same Idempotency-Key).
   */
  OUTBOX_ACK_FLUSH_MS: Type.Integer({ minimum: 1, default: 5000 }),
  // Delivery backpressure (outbox/delivery-bounds.ts): beyond either bound /detection answers 503 with Retry-After
  /**
   * Undelivered entries of one station (a block makes one or two). Its state record carries them, so the bound also
   * bounds the cost of each of its writes; 1000 is 500 blocks of backlog.
   */
  OUTBOX_MAX_PENDING_PER_STATION: Type.Integer({ minimum: 2, default: 1000 }),
  /**
   * Undelivered entries in all (every thread). Stations with entries stay in memory with their detectors, so this
   * bounds their memory too; /ready answers 503 while it is reached.
   */
  OUTBOX_MAX_PENDING: Type.Integer({ minimum: 2, default: 100000 }),
  /** Grace period for in-flight work at shutdown. */
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 0, default: 10000 }),
  // Metric detection API (POST /api/v1/outliers)
  /**
   * API keys (access/api-keys.ts): comma-separated `group[+group…]:<SHA-256 hex of the token>`, groups ingest,
   * metrics, read. Empty: no key is required (the embedded default).
   */
  API_KEYS: Type.Optional(
    Type.String({ pattern: '^\\s*[a-z+]+:[0-9a-fA-F]{64}(\\s*,\\s*[a-z+]+:[0-9a-fA-F]{64})*\\s*$' }),
  ),
  /** Requests per RATE_LIMIT_WINDOW_MS per API key (or address without one); 0: no limit. */
  RATE_LIMIT_MAX: Type.Integer({ minimum: 0, default: 0 }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1, default: 60000 }),
  /** Druid broker or router base URL (queries go to {DRUID_URL}/druid/v2/); without it only `data` is served. */
  DRUID_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Per-attempt Druid timeout; a timeout answers 504. */
  DRUID_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 30000 }),
  /**
   * Comma-separated tables a `query` may read (the reference's UI queries rb_flow). Queries are also held to the
   * reference's context keys, with Druid's own timeout capped at DRUID_TIMEOUT_MS (packages/druid query-policy.ts).
   */
  DRUID_DATA_SOURCES: Type.String({ pattern: '^[^,\\s]+(,[^,\\s]+)*$', default: 'rb_flow' }),
  /** Disk model store root, used when S3_BUCKET is not set. */
  MODEL_DIR: Type.String({ minLength: 1, default: './var/models' }),
  /** S3-compatible endpoint (MinIO, s3rver); unset for AWS. Requires S3_BUCKET. */
  S3_ENDPOINT: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** Selects the S3 model store; credentials come from the standard AWS chain. */
  S3_BUCKET: Type.Optional(Type.String({ minLength: 1 })),
  S3_PREFIX: Type.Optional(Type.String()),
  S3_REGION: Type.Optional(Type.String({ minLength: 1 })),
  /** Minimum time between two checks of one model's manifest for a newer version. */
  MODEL_REFRESH_MS: Type.Integer({ minimum: 0, default: 60000 }),
  /** Model used when the request names none and the query's sensor has none; else the shallow model. */
  DEFAULT_MODEL: Type.Optional(Type.String({ pattern: MODEL_NAME_PATTERN.source })),
  /** Metric whose expected value, forecast and bounds are reported. */
  METRIC: Type.String({ minLength: 1, default: 'bytes' }),
  /**
   * Worker threads for the metric API's CPU-bound work (decoding, model, reply); 0 runs it on the event loop.
   * Default: one per core, 0 on a one-core machine.
   */
  METRIC_WORKERS: Type.Integer({
    minimum: 0,
    default: availableParallelism() > 1 ? availableParallelism() : 0,
  }),
  /** k-sigma override for trained models (threshold = mean + K * std of the training error); unset: the model's k. */
  K: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  // Cluster mode: station state, outbox and history in Redis (station/redis-station-store.ts); off unless REDIS_URL
  /**
   * Redis shared by every executor of a cluster (redis:// or rediss://, user, password and db in the URL). Set, it
   * replaces STATE_DIR (setting both is an error): any executor then serves any station.
   */
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  /** Prefix of every key the executors write, so several clusters (or tests) can share one Redis. */
  REDIS_PREFIX: Type.String({ default: 'outliers:' }),
  /** Connecting and each command: beyond it the request that needs Redis answers 503 with Retry-After. */
  REDIS_TIMEOUT_MS: Type.Integer({ minimum: 1, default: 2000 }),
  // Service discovery (Consul); off unless CONSUL_HOST is set
  /** Local Consul agent; when set, the executor registers itself with a health check on /ready. */
  CONSUL_HOST: Type.Optional(Type.String({ minLength: 1 })),
  CONSUL_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8500 }),
  CONSUL_SECURE: Type.Boolean({ default: false }),
  CONSUL_TOKEN: Type.Optional(Type.String({ minLength: 1 })),
  /** Name clients look up (the monitoring UI resolves this service). */
  CONSUL_SERVICE_NAME: Type.String({ minLength: 1, default: 'outliers-executor' }),
  /** Address other nodes use to reach this executor; default: the host name. */
  CONSUL_SERVICE_ADDRESS: Type.Optional(Type.String({ minLength: 1 })),
  CONSUL_SERVICE_TAGS: Type.String({ default: 'outliers,executor' }),
  CONSUL_CHECK_INTERVAL: Type.String({ pattern: '^[0-9]+(ms|s|m)$', default: '10s' }),
  /** A critical instance is dropped from the catalogue after this long. */
  CONSUL_DEREGISTER_AFTER: Type.String({ pattern: '^[0-9]+(s|m|h)$', default: '1m' }),
  /** How often the agent is asked whether it still knows this executor (re-registered when not). */
  CONSUL_RESYNC_MS: Type.Integer({ minimum: 100, default: 10000 }),
  // Cluster mode: the outbox on a Redis stream shared by every executor (outbox/stream-outbox-dispatcher.ts)
  /**
   * An outbox entry pending this long on one executor (dead, or cut off from Redis) is claimed by another; live
   * executors renew theirs every third of it.
   */
  OUTBOX_CLAIM_IDLE_MS: Type.Integer({ minimum: 100, default: 30000 }),
});

export type Config = Static<typeof ConfigSchema>;

/** The keys of the routes' own body limits. */
export type BodyLimitKey = 'BODY_LIMIT_STATION' | 'BODY_LIMIT_METRIC' | 'BODY_LIMIT_MULTIPART';

/** A kind of route's body limit in bytes: its own key when set, else BODY_LIMIT. */
export function bodyLimitOf(config: Config, key: BodyLimitKey): number {
  return config[key] ?? config.BODY_LIMIT;
}

/** The process's open-file limit (`ulimit -n`), or undefined where it cannot be read. */
function openFileLimit(): number | undefined {
  try {
    const limit = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    return limit ? Number(limit) : undefined;
  } catch {
    return undefined; // not Linux
  }
}

/**
 * Half the open-file limit: fewer kept-open files than stations × 3 makes every block of a round-robin load open
 * and close its files again, the largest cost of a /detection request with thousands of stations.
 */
function openFilesDefault(): number {
  const limit = openFileLimit();
  return limit ? Math.max(256, Math.min(65_536, Math.floor(limit / 2))) : 4096;
}

/** A quarter of the open-file limit: with the state's half, a quarter stays for deliveries, models and logs. */
function connectionsDefault(): number {
  const limit = openFileLimit();
  return limit ? Math.max(64, Math.floor(limit / 4)) : 1024;
}

/**
 * Parses the environment into a Config: applies defaults, converts strings to numbers/booleans, and throws one
 * error listing every invalid key.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const keys = Object.keys(ConfigSchema.properties);
  const raw: Record<string, unknown> = {};
  for (const key of keys) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  // Before the defaults fill STATE_DIR in.
  const bothStores = raw.REDIS_URL !== undefined && raw.STATE_DIR !== undefined;
  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw));
  const errors = [...Value.Errors(ConfigSchema, converted)].map(
    (e) => `${e.path.slice(1) || '(root)'}: ${e.message}`,
  );
  if (bothStores) errors.push(BOTH_STORES);
  if (errors.length > 0) throw new StartupError(`Invalid configuration: ${errors.join('; ')}`);
  return converted as Config;
}

/** STATE_DIR has a default, so only a STATE_DIR set beside REDIS_URL is ambiguous: refused rather than guessed. */
const BOTH_STORES =
  'REDIS_URL, STATE_DIR: station state goes to one store; unset STATE_DIR to use Redis, or REDIS_URL to use the disk';
