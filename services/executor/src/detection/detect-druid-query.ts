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
import { InvalidInputError, type MetricDetection, type MetricRow } from '@outliers/core';
import {
  type DruidClient,
  DruidQueryError,
  DruidResponseError,
  DruidTimeoutError,
  parseTimeseriesQuery,
  parseTimeseriesResponse,
  rewriteForTrafficModel,
  sensorFromFilter,
  type TimeseriesQuery,
} from '@outliers/druid';
import { InvalidModelNameError, isValidModelName, type ModelManifest } from '@outliers/model-store';
import type { FastifyBaseLogger } from 'fastify';
import type { OutliersReply } from '../schemas/druid-query.js';
import {
  druidFailed,
  druidTimeout,
  invalidField,
  modelNotFound,
  noDataProvided,
  predictionFailed,
} from './metric-errors.js';
import type { MetricRequest } from './metric-request.js';

/** A trained model as the cache hands it out (the autoencoder of `@outliers/core/autoencoder`). */
export interface TrainedMetricModel {
  detect(rows: readonly MetricRow[]): MetricDetection;
}

export interface MetricDetectionDeps {
  /** Null when DRUID_URL is not configured: only `data` requests can be served. */
  druid: DruidClient | null;
  /** Loaded models by name (a ModelCache). */
  models: { get(name: string): Promise<{ model: TrainedMetricModel; manifest: ModelManifest } | null> };
  /** The shallow model: `shallowDetect` of `@outliers/core`. */
  shallow: (rows: readonly MetricRow[], options: { metric: string }) => MetricDetection;
  /** DEFAULT_MODEL */
  defaultModel?: string | undefined;
  /** METRIC: the metric whose expected value is reported. */
  metric: string;
  log: FastifyBaseLogger;
}

type Resolved =
  | {
      kind: 'trained';
      name: string;
      version: string;
      model: TrainedMetricModel;
      via: 'model' | 'sensor' | 'default';
    }
  | { kind: 'shallow' };

/**
 * @throws ExecutorError: 400 (bad field, no data), 404 (unknown model), 502/504 (Druid), 500 (model failure).
 */
export async function detectDruidQuery(
  request: MetricRequest,
  deps: MetricDetectionDeps,
): Promise<OutliersReply> {
  if (request.query === undefined && request.data === undefined) throw noDataProvided();
  const parsed = request.query === undefined ? undefined : parseQuery(request.query);
  const resolved = await resolveModel(request.model, parsed?.query, deps);

  let rows: MetricRow[];
  if (request.data !== undefined) {
    rows = parseRows(request.data, 'data');
  } else {
    const query = resolved.kind === 'trained' ? rewriteForTrafficModel(parsed!) : parsed!.query;
    rows = parseRows(await runQuery(query, deps), 'druid');
  }

  const modelInfo =
    resolved.kind === 'trained'
      ? { name: resolved.name, kind: 'autoencoder', version: resolved.version, resolvedBy: resolved.via }
      : { name: 'shallow', kind: 'shallow', resolvedBy: 'fallback' };
  if (rows.length === 0) {
    return { status: 'success', anomalies: [], predicted: [], metric: deps.metric, model: modelInfo };
  }
  const detection = runModel(resolved, rows, deps);
  return toReply(detection, deps.metric, modelInfo);
}

function parseQuery(query: unknown) {
  try {
    return parseTimeseriesQuery(query);
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
    deps.log.error({ err: error, model: name }, 'model could not be loaded');
    throw predictionFailed();
  }
}

async function runQuery(query: TimeseriesQuery, deps: MetricDetectionDeps): Promise<unknown> {
  if (!deps.druid) {
    deps.log.error('a query was sent but DRUID_URL is not configured');
    throw druidFailed();
  }
  try {
    return await deps.druid.query(query);
  } catch (error) {
    deps.log.warn({ err: error }, 'druid query failed');
    if (error instanceof DruidTimeoutError) throw druidTimeout();
    throw druidFailed();
  }
}

function parseRows(value: unknown, source: 'data' | 'druid'): MetricRow[] {
  try {
    return parseTimeseriesResponse(value, 'data').rows;
  } catch (error) {
    if (!(error instanceof DruidResponseError)) throw error;
    // Bad client data is a 400; a broker answer we cannot read is a Druid failure.
    if (source === 'data') throw invalidField(error.field, error.message);
    throw druidFailed();
  }
}

function runModel(resolved: Resolved, rows: MetricRow[], deps: MetricDetectionDeps): MetricDetection {
  const metric = resolved.kind === 'shallow' ? shallowMetric(rows, deps.metric) : deps.metric;
  try {
    if (resolved.kind === 'trained') return resolved.model.detect(rows);
    return deps.shallow(rows, { metric });
  } catch (error) {
    if (error instanceof InvalidInputError) {
      // Core names its argument (`rows[3].values.bytes`); the client knows that as `data[3].result.bytes`.
      throw invalidField('data', error.message.replace(/^rows\[(\d+)\]\.values\./, 'data[$1].result.'));
    }
    deps.log.error({ err: error }, 'metric detection failed');
    throw predictionFailed();
  }
}

/**
 * METRIC when any row carries it (core then names a row that lacks it), else the rows' only metric (a query that
 * aggregates one value under another name); with several other metrics the choice would be a guess.
 */
function shallowMetric(rows: MetricRow[], metric: string): string {
  if (rows.some((row) => metric in row.values)) return metric;
  const names = new Set(rows.flatMap((row) => Object.keys(row.values)));
  if (names.size === 1) return [...names][0]!;
  throw invalidField('data', `no row has the metric ${JSON.stringify(metric)} (METRIC)`);
}

function toReply(
  detection: MetricDetection,
  preferred: string,
  model: OutliersReply['model'],
): OutliersReply {
  const metric = detection.metrics.includes(preferred) ? preferred : detection.metrics[0]!;
  const anomalies: OutliersReply['anomalies'] = [];
  const predicted: OutliersReply['predicted'] = [];
  for (const p of detection.points) {
    const timestamp = new Date(p.time).toISOString();
    const band = { lower: finite(p.lower[metric]), upper: finite(p.upper[metric]) };
    predicted.push({
      timestamp,
      forecast: finite(p.expected[metric]),
      observed: finite(p.observed[metric]),
      ...band,
    });
    if (p.anomalous) {
      anomalies.push({
        timestamp,
        expected: finite(p.expected[metric]),
        observed: finite(p.observed[metric]),
        exceeded: p.exceeded,
        score: finite(p.score),
        ...band,
      });
    }
  }
  return { status: 'success', anomalies, predicted, metric, model };
}

/** JSON has no NaN or Infinity; a value a model could not produce is null rather than a broken body. */
function finite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}
