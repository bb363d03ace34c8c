import { describe, expect, it } from 'vitest';
import { ExecutorError } from '../errors.js';
import { readDetectionBlock } from './detection-block.js';

const sample = '{"timestamp":"2021-01-01 00:00:00","values":{"v":1}}';

describe('readDetectionBlock', () => {
  it('reads a valid body into samples', () => {
    const block = readDetectionBlock(`{"id_estacio":"s","numero_mostres":1,"mostres":[${sample}]}`);
    expect(block.id).toBe('s');
    expect(block.samples).toEqual([
      { timestamp: '2021-01-01 00:00:00', time: Date.UTC(2021, 0, 1), values: { v: 1 } },
    ]);
  });

  it.each([
    ['not JSON', '{"id_estacio":', /^body: not valid JSON/],
    ['empty', '', /^body: not valid JSON/],
    ['a __proto__ key', `{"id_estacio":"s","numero_mostres":0,"mostres":[],"__proto__":{"x":1}}`, /^body: /],
    [
      'a sample without timestamp',
      `{"id_estacio":"s","numero_mostres":1,"mostres":[{"v":1}]}`,
      /^mostres\[0\]\.timestamp/,
    ],
    ['an empty station id', `{"id_estacio":"","numero_mostres":1,"mostres":[${sample}]}`, /^id_estacio/],
    [
      'a station id over 256 characters',
      `{"id_estacio":"${'x'.repeat(257)}","numero_mostres":1,"mostres":[${sample}]}`,
      /^id_estacio/,
    ],
    [
      'a nested string value',
      `{"id_estacio":"s","numero_mostres":1,"mostres":[{"timestamp":"2021-01-01 00:00:00","values":{"v":"1"}}]}`,
      /^mostres\[0\]\.values\.v/,
    ],
    [
      'a value too large for a double (1e400)',
      `{"id_estacio":"s","numero_mostres":1,"mostres":[{"timestamp":"2021-01-01 00:00:00","v":1e400}]}`,
      /^mostres\[0\]\.v/,
    ],
    [
      'an impossible date in the contract form',
      `{"id_estacio":"s","numero_mostres":1,"mostres":[{"timestamp":"2021-02-30 00:00:00","v":1}]}`,
      /^mostres\[0\]\.timestamp/,
    ],
    [
      'a count that does not match',
      `{"id_estacio":"s","numero_mostres":2,"mostres":[${sample}]}`,
      /^numero_mostres/,
    ],
  ])('answers 400 naming the field: %s', (_name, body, message) => {
    let error: unknown;
    try {
      readDetectionBlock(body);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as ExecutorError).statusCode).toBe(400);
    expect((error as ExecutorError).message).toMatch(message);
  });
});
