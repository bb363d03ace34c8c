import { describe, expect, it } from 'vitest';
import { DruidQueryError } from './errors.js';
import { parseTimeseriesQuery } from './query.js';
import { applyQueryPolicy, type QueryPolicy } from './query-policy.js';

const policy: QueryPolicy = { dataSources: ['rb_flow', 'rb_event'], maxTimeoutMs: 30_000 };

/** A query as the monitoring UI sends it, with `change` merged over it. */
const query = (change: Record<string, unknown> = {}) =>
  parseTimeseriesQuery({
    queryType: 'timeseries',
    dataSource: 'rb_flow',
    granularity: 'minute',
    intervals: ['2024-05-20T00:00Z/2024-05-21T00:00Z'],
    filter: { type: 'selector', dimension: 'sensor_name', value: 'edge-1' },
    aggregations: [{ type: 'longSum', name: 'bytes', fieldName: 'sum_bytes' }],
    context: { timeout: 90_000, skipEmptyBuckets: 'true' },
    ...change,
  });

/** The field the policy names when it refuses the query, or null when it accepts it. */
function refused(parsed: ReturnType<typeof query>): string | null {
  try {
    applyQueryPolicy(parsed, policy);
    return null;
  } catch (error) {
    if (!(error instanceof DruidQueryError)) throw error;
    return error.field;
  }
}

describe('applyQueryPolicy', () => {
  it("accepts the reference's queries, capping the broker's timeout at ours and leaving the input alone", () => {
    const parsed = query({ limitSpec: { type: 'default', limit: 100, columns: {} } });
    const allowed = applyQueryPolicy(parsed, policy);
    expect(allowed.query.context).toEqual({ timeout: 30_000, skipEmptyBuckets: 'true' });
    expect(parsed.query.context).toEqual({ timeout: 90_000, skipEmptyBuckets: 'true' });
    expect(applyQueryPolicy(query({ context: { timeout: 5000 } }), policy).query.context).toEqual({
      timeout: 5000,
    });
    expect(applyQueryPolicy(query({ context: undefined }), policy).query.context).toEqual({
      timeout: 30_000,
    });
    expect(refused(query({ dataSource: { type: 'table', name: 'rb_event' } }))).toBeNull();
  });

  it('refuses other data sources: tables off the allow-list, nested queries, joins', () => {
    expect(refused(query({ dataSource: 'secrets' }))).toBe('dataSource');
    expect(refused(query({ dataSource: { type: 'query', query: { queryType: 'scan' } } }))).toBe(
      'dataSource',
    );
    expect(refused(query({ dataSource: { type: 'join', left: 'rb_flow' } }))).toBe('dataSource');
    expect(refused(query({ dataSource: { type: 'table', name: 'secrets' } }))).toBe('dataSource');
  });

  it('refuses context keys the reference never sends, and a timeout that is not a positive number', () => {
    expect(refused(query({ context: { brokerService: 'druid/tier2' } }))).toBe('context.brokerService');
    expect(refused(query({ context: { priority: 100, timeout: 1 } }))).toBe('context.priority');
    for (const timeout of [-1, 0, '90000', null])
      expect(refused(query({ context: { timeout } }))).toBe('context.timeout');
  });

  it('refuses lookups wherever they hide, and fields a timeseries query has no use for', () => {
    const lookupFilter = {
      type: 'selector',
      dimension: 'sensor_name',
      value: 'x',
      extractionFn: { type: 'registeredLookup', lookup: 'users' },
    };
    expect(refused(query({ filter: lookupFilter }))).toBe('filter.extractionFn');
    expect(refused(query({ filter: { type: 'and', fields: [{ type: 'lookup', lookup: 'users' }] } }))).toBe(
      'filter.fields[0]',
    );
    const expression = { type: 'expression', name: 'x', expression: "lookup(sensor_name, 'users')" };
    expect(refused(query({ postAggregations: [expression] }))).toBe('postAggregations[0].expression');
    expect(refused(query({ virtualColumns: [] }))).toBe('virtualColumns');
  });
});
