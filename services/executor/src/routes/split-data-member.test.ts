import { describe, expect, it } from 'vitest';
import { splitDataMember } from './split-data-member.js';

/** The cut must give back exactly what parsing the whole body gives: data's value, and the rest as it was. */
function expectSameAsWhole(text: string): void {
  const split = splitDataMember(text);
  expect(split).toBeDefined();
  const whole = JSON.parse(text) as Record<string, unknown>;
  expect(JSON.parse(split!.data)).toEqual(whole.data);
  expect(JSON.parse(split!.rest)).toEqual({ ...whole, data: null });
}

const rows = [
  { timestamp: '2024-05-06T00:00:00.000Z', result: { bytes: 1, 'a"]}': -2.5e-3 } },
  { timestamp: '2024-05-06T00:01:00.000Z', result: { bytes: null, 'x\\': 3, '[{': '}]"' } },
];

describe('splitDataMember', () => {
  it.each([
    ['data alone', { data: rows }],
    [
      'data first',
      { data: rows, model: 'traffic', query: { queryType: 'timeseries', filter: { a: [1, '}'] } } },
    ],
    ['data between other members', { model: 'm', data: rows, query: { x: '"data":[' } }],
    ['data last, as an object', { query: { a: 1 }, data: { nested: [[], {}, [[]]] } }],
    ['data that is empty', { data: [] }],
    ['scalars around data', { a: true, b: null, c: -1.5e10, data: rows, d: false }],
  ])('cuts %s out exactly', (_, body) => {
    expectSameAsWhole(JSON.stringify(body));
    expectSameAsWhole(JSON.stringify(body, null, 2));
    expectSameAsWhole(`\r\n ${JSON.stringify(body, null, '\t')} \n`);
  });

  it.each([
    ['no data member', '{"model":"m","query":{}}'],
    ['data as a string (base64 or JSON text)', '{"data":"W10="}'],
    ['data as null', '{"data":null}'],
    ['data spelt with an escape', '{"d\\u0061ta":[1],"model":"m"}'],
    ['data twice', '{"data":[1],"data":[2]}'],
    ['an array body', '[{"data":[1]}]'],
    ['an empty object', '{}'],
    ['an unclosed data', '{"data":[1,2'],
    ['an unclosed string in data', '{"data":["abc]}'],
    ['text after the body', '{"data":[1]} x'],
    ['a missing colon', '{"data" [1]}'],
    ['a missing comma', '{"data":[1] "model":"m"}'],
  ])('leaves %s to be parsed whole', (_, text) => {
    expect(splitDataMember(text)).toBeUndefined();
  });

  it('cuts brackets it matched even when data is not JSON: the worker parse rejects it then', () => {
    const split = splitDataMember('{"data":[1,,{2]],"model":"m"}');
    expect(split?.data).toBe('[1,,{2]]');
    expect(() => JSON.parse(split!.data)).toThrow();
    expect(JSON.parse(split!.rest)).toEqual({ data: null, model: 'm' });
  });
});
