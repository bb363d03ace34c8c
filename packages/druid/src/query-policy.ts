/**
 * What a client's timeseries query may ask of the operator's broker before it is forwarded. Druid runs whatever a
 * native query says: another query as its data source, lookups (joins against operator tables), context overrides
 * that pick a broker tier or switch the timeout off. A metric request only needs a timeseries over one of the
 * operator's tables, so everything else is refused, naming the field:
 * - top-level fields: those a timeseries query has (QUERY_FIELDS) and `limitSpec`, which the reference's template
 *   carries and Druid ignores for timeseries; no `virtualColumns` (their expressions may call lookups);
 * - `dataSource`: a table name (or `{"type":"table","name":…}`) from the allow-list;
 * - `context`: only the keys the reference sends (`timeout`, `skipEmptyBuckets`); `timeout` a positive number of
 *   ms, lowered to the cap (our own wait for the broker), and set to it when absent;
 * - no lookups anywhere: no `extractionFn`, no `lookup`/`registeredLookup` specs, no `lookup(` in expressions.
 */
import { DruidQueryError } from './errors.js';
import type { ParsedTimeseriesQuery, TimeseriesQuery } from './query.js';

export interface QueryPolicy {
  /** Tables a query may read. */
  dataSources: readonly string[];
  /** The broker-side timeout a query gets at most (ms). */
  maxTimeoutMs: number;
}

const QUERY_FIELDS = new Set([
  'queryType',
  'dataSource',
  'intervals',
  'granularity',
  'filter',
  'aggregations',
  'postAggregations',
  'context',
  'descending',
  'limit',
  'limitSpec',
]);
const CONTEXT_KEYS = new Set(['timeout', 'skipEmptyBuckets']);
const LOOKUP_TYPES = new Set(['lookup', 'registeredLookup']);
const LOOKUP_CALL = /\blookup\s*\(/i;

/**
 * @returns the query with its context's timeout capped; the input is not modified.
 * @throws {DruidQueryError} naming the first field the policy refuses.
 */
export function applyQueryPolicy(parsed: ParsedTimeseriesQuery, policy: QueryPolicy): ParsedTimeseriesQuery {
  const { query } = parsed;
  for (const field of Object.keys(query)) {
    if (!QUERY_FIELDS.has(field)) throw new DruidQueryError(field, 'is not allowed in a metric query');
  }
  checkDataSource(query.dataSource, policy.dataSources);
  findLookup(query, '');
  return { ...parsed, query: { ...query, context: cappedContext(query.context, policy.maxTimeoutMs) } };
}

function checkDataSource(dataSource: TimeseriesQuery['dataSource'], allowed: readonly string[]): void {
  const spec = dataSource as string | { type: string; name?: unknown };
  const table = typeof spec === 'string' ? spec : spec.type === 'table' ? spec.name : undefined;
  if (typeof table !== 'string') {
    const type = typeof spec === 'string' ? spec : spec.type;
    throw new DruidQueryError('dataSource', `only a table may be queried, got a ${JSON.stringify(type)}`);
  }
  if (!allowed.includes(table)) {
    throw new DruidQueryError(
      'dataSource',
      `${JSON.stringify(table)} is not an allowed data source (allowed: ${allowed.join(', ') || 'none'})`,
    );
  }
}

function cappedContext(context: TimeseriesQuery['context'], maxTimeoutMs: number): Record<string, unknown> {
  const given = context ?? {};
  for (const key of Object.keys(given)) {
    if (!CONTEXT_KEYS.has(key)) {
      throw new DruidQueryError(
        `context.${key}`,
        `is not allowed (allowed: ${[...CONTEXT_KEYS].join(', ')})`,
      );
    }
  }
  const { timeout } = given;
  if (timeout !== undefined && !(typeof timeout === 'number' && timeout > 0)) {
    throw new DruidQueryError(
      'context.timeout',
      `expected a positive number of ms, got ${JSON.stringify(timeout)}`,
    );
  }
  return { ...given, timeout: Math.min(timeout ?? maxTimeoutMs, maxTimeoutMs) };
}

/** Throws at the first lookup under `value` (path: where `value` sits, '' for the query). */
function findLookup(value: unknown, path: string): void {
  if (typeof value === 'string') {
    if (LOOKUP_CALL.test(value)) throw new DruidQueryError(path, 'lookups are not allowed');
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) findLookup(item, `${path}[${i}]`);
    return;
  }
  const record = value as Record<string, unknown>;
  if (LOOKUP_TYPES.has(record.type as string)) throw new DruidQueryError(path, 'lookups are not allowed');
  for (const [key, item] of Object.entries(record)) {
    const at = path ? `${path}.${key}` : key;
    if (key === 'extractionFn')
      throw new DruidQueryError(at, 'lookups and extraction functions are not allowed');
    findLookup(item, at);
  }
}
