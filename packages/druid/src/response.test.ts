import { describe, expect, it } from 'vitest';
import { DruidResponseError } from './errors.js';
import { parseTimeseriesResponse } from './response.js';
import { redborderFixture } from './testing/druid-stand-in.js';

describe('parseTimeseriesResponse', () => {
  it.each([
    ['druid_bytes_239x1h', 239, 1],
    ['druid_traffic_49x8h', 49, 11],
    ['druid_traffic_60x1m', 60, 11],
  ] as const)('parses %s into %d rows of %d metrics', (name, count, metrics) => {
    const fixture = redborderFixture(name) as { timestamp: string; result: Record<string, number> }[];
    const { rows, skipped } = parseTimeseriesResponse(fixture);
    expect(rows).toHaveLength(count);
    expect(skipped).toEqual([]);
    expect(Object.keys(rows[0]!.values)).toHaveLength(metrics);
    expect(rows[0]!.time).toBe(Date.parse(fixture[0]!.timestamp));
    expect(rows.at(-1)!.values).toEqual(fixture.at(-1)!.result);
  });

  it('accepts JSON text, converts numeric strings and lists values that are not numbers', () => {
    const text = JSON.stringify([
      { timestamp: '2024-01-01T00:01:00Z', result: { bytes: '12', clients: null, ratio: 'NaN', sketch: {} } },
      { timestamp: '2024-01-01T00:00:00Z', result: { bytes: 10, clients: 2 } },
    ]);
    const { rows, skipped } = parseTimeseriesResponse(text);
    expect(rows).toEqual([
      { time: Date.parse('2024-01-01T00:00:00Z'), values: { bytes: 10, clients: 2 } },
      { time: Date.parse('2024-01-01T00:01:00Z'), values: { bytes: 12 } },
    ]);
    expect(skipped).toEqual([
      { index: 0, metric: 'clients' },
      { index: 0, metric: 'ratio' },
      { index: 0, metric: 'sketch' },
    ]);
  });

  it('accepts an empty response', () => {
    expect(parseTimeseriesResponse([])).toEqual({ rows: [], skipped: [] });
  });

  it.each([
    ['{', 'data'],
    [{ timestamp: 'x' }, 'data'],
    [[42], 'data[0]'],
    [[{ result: {} }], 'data[0].timestamp'],
    [[{ timestamp: 'yesterday', result: {} }], 'data[0].timestamp'],
    [[{ timestamp: '2024-01-01T00:00:00Z', event: { bytes: 1 } }], 'data[0].result'],
    [[{ timestamp: '2024-01-01T00:00:00Z', result: [{ bytes: 1 }] }], 'data[0].result'],
    [
      [
        { timestamp: '2024-01-01T00:00:00Z', result: {} },
        { timestamp: '2024-01-01T00:00:00.000Z', result: {} },
      ],
      'data[1].timestamp',
    ],
  ])('rejects %j naming %s', (input, field) => {
    try {
      parseTimeseriesResponse(input);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DruidResponseError);
      expect((e as DruidResponseError).field).toBe(field);
    }
  });
});
