/**
 * The metric-detection use case behind `POST /api/v1/outliers`: decoded request fields → rows (from `data`, or by
 * running `query` against Druid) → model → the reference's reply, extended.
 *
 * Model resolution, first match wins:
 *   1. the explicit `model` name (validated; unknown → 404);
 *   2. the model named after the sensor the query's filter selects (`sensor_name`);
 *   3. DEFAULT_MODEL, when configured and present in the store;
 *   4. the shallow model (no training needed).
 * A trained (autoencoder) model gets the traffic-model rewrite of the query: it needs the metrics it was trained on.
 */
import {
  applyQueryPolicy,
  type DruidClient,
  DruidQueryError,
  DruidTimeoutError,
  type ParsedTimeseriesQuery,
  parseTimeseriesQuery,
  type QueryPolicy,
  rewriteForTrafficModel,
  sensorFromFilter,
  type TimeseriesQuery,
} from '@outliers/druid';
import { InvalidModelNameError, isValidModelName, type ModelManifest } from '@outliers/model-store';
import type { FastifyBaseLogger } from 'fastify';
import type { MetricRequest } from './decode-metric-request.js';
import type { ModelFiles } from './loaded-models.js';
import {
  causedBy,
  druidFailed,
  druidTimeout,
  invalidField,
  modelNotFound,
  noDataProvided,
  predictionFailed,
} from './metric-errors.js';
import type { MetricRunner } from './metric-runner.js';
import type { MetricWork } from './metric-work.js';
import { type MetricGrid, metricGrid } from './missing-buckets.js';

export interface MetricDetectionDeps {
  /** Null when DRUID_URL is not configured: only `data` requests can be served. */
  druid: DruidClient | null;
  /** Trained models by name, as their files (a ModelCache). */
  models: { get(name: string): Promise<{ model: ModelFiles; manifest: ModelManifest } | null> };
  /** Runs the rows, the model and the reply (in a worker thread, or here). */
  runner: Pick<MetricRunner, 'detect'>;
  /** DEFAULT_MODEL */
  defaultModel?: string | undefined;
  /** METRIC: the metric whose expected value is reported. */
  metric: string;
  /** What a query sent to Druid may ask (data sources, context). */
  queryPolicy: QueryPolicy;
  log: FastifyBaseLogger;
}

type Resolved =
  | {
      kind: 'trained';
      name: string;
      version: string;
      model: ModelFiles;
      via: 'model' | 'sensor' | 'default';
    }
  | { kind: 'shallow' };

/**
 * @returns the reply's JSON.
 * @throws ExecutorError: 400 (bad field, no data), 404 (unknown model), 502/504 (Druid), 500 (model failure); the
 *   cause of a 5xx, if any, is attached for the log.
 */
export async function detectDruidQuery(request: MetricRequest, deps: MetricDetectionDeps): Promise<Buffer> {
  if (request.query === undefined && request.data === undefined) throw noDataProvided();
  const parsed = request.query === undefined ? undefined : parseQuery(request.query);
  const resolved = await resolveModel(request.model, parsed?.query, deps);

  let rows: MetricWork['rows'];
  let grid: MetricGrid;
  if (request.data !== undefined) {
    rows = { data: request.data };
    grid = metricGrid(parsed, parsed?.query, Date.now());
  } else {
    const allowed = asInvalidField(() => applyQueryPolicy(parsed!, deps.queryPolicy));
    const query = resolved.kind === 'trained' ? rewriteForTrafficModel(allowed) : allowed.query;
    // Taken before the query is sent: a bucket ending later may still have been filling when Druid read it.
    grid = metricGrid(parsed, query, Date.now());
    rows = { druid: await runQuery(query, deps) };
  }
  const work: MetricWork = {
    rows,
    grid,
    metric: deps.metric,
    model:
      resolved.kind === 'trained'
        ? { name: resolved.name, kind: 'autoencoder', version: resolved.version, resolvedBy: resolved.via }
        : { name: 'shallow', kind: 'shallow', resolvedBy: 'fallback' },
  };
  return deps.runner.detect(work, resolved.kind === 'trained' ? resolved.model : null);
}

function parseQuery(query: unknown): ParsedTimeseriesQuery {
  return asInvalidField(() => parseTimeseriesQuery(query));
}

/** Runs `check`, answering a DruidQueryError as a 400 that names the field under `query`. */
function asInvalidField<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof DruidQueryError)) throw error;
    const detail = error.message.slice(error.field.length + 2);
    throw invalidField(error.field === 'query' ? 'query' : `query.${error.field}`, detail);
  }
}

async function resolveModel(
  explicit: string | undefined,
  query: TimeseriesQuery | undefined,
  deps: MetricDetectionDeps,
): Promise<Resolved> {
  if (explicit !== undefined) {
    if (!isValidModelName(explicit))
      throw invalidField('model', `invalid model name ${JSON.stringify(explicit)}`);
    const found = await lookup(explicit, deps);
    if (!found) throw modelNotFound(explicit);
    return {
      kind: 'trained',
      name: explicit,
      version: found.manifest.version,
      model: found.model,
      via: 'model',
    };
  }
  const sensor = query ? sensorFromFilter(query.filter) : null;
  // A sensor name that cannot be a model name simply has no model.
  if (sensor && isValidModelName(sensor)) {
    const found = await lookup(sensor, deps);
    if (found)
      return {
        kind: 'trained',
        name: sensor,
        version: found.manifest.version,
        model: found.model,
        via: 'sensor',
      };
  }
  if (deps.defaultModel) {
    const found = await lookup(deps.defaultModel, deps);
    if (found) {
      return {
        kind: 'trained',
        name: deps.defaultModel,
        version: found.manifest.version,
        model: found.model,
        via: 'default',
      };
    }
    deps.log.warn(
      { model: deps.defaultModel },
      'DEFAULT_MODEL is not in the model store; using the shallow model',
    );
  }
  return { kind: 'shallow' };
}

async function lookup(name: string, deps: MetricDetectionDeps) {
  try {
    return await deps.models.get(name);
  } catch (error) {
    if (error instanceof InvalidModelNameError) throw invalidField('model', error.message);
    // A model that exists but cannot be loaded is our fault, not the client's.
    throw causedBy(predictionFailed(), new Error(`model ${name} could not be loaded`, { cause: error }));
  }
}

/** Druid's answer as text: the rows are decoded where the detection runs (decode-metric-rows.ts), not here. */
async function runQuery(query: TimeseriesQuery, deps: MetricDetectionDeps): Promise<string> {
  if (!deps.druid) {
    throw causedBy(druidFailed(), new Error('a query was sent but DRUID_URL is not configured'));
  }
  try {
    return await deps.druid.queryText(query);
  } catch (error) {
    throw causedBy(error instanceof DruidTimeoutError ? druidTimeout() : druidFailed(), error);
  }
}
