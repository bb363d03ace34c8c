import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { ExecutorError } from '../errors.js';
import { DetectionBlock, detectionBlockReader, scanStationId } from './detection-block.js';

const readDetectionBlock = detectionBlockReader(loadConfig({}));

const sample = '{"timestamp":"2021-01-01 00:00:00","values":{"v":1}}';

describe('scanStationId', () => {
  it.each([
    ['first', `{"id_estacio":"s_1","numero_mostres":1,"mostres":[${sample}]}`],
    [
      'last, with spaces',
      `{ "numero_mostres" : 1, "mostres" : [${sample}] ,\n\t"id_estacio" :\r\n "Sant Joan/2" }`,
    ],
    ['unicode', `{"id_estacio":"estació-ü","numero_mostres":0,"mostres":[]}`],
    ['a quoted key inside a string', `{"id_estacio":"a","note":"\\"id_estacio\\":\\"b\\"","mostres":[]}`],
  ])('finds the id as JSON.parse does: %s', (_name, body) => {
    expect(scanStationId(body)).toBe(JSON.parse(body).id_estacio);
  });

  it.each([
    ['no key', `{"numero_mostres":0,"mostres":[]}`],
    ['the key twice (JSON.parse keeps the last)', `{"id_estacio":"a","id_estacio":"b"}`],
    ['a flat variable of that name', `{"id_estacio":"a","mostres":[{"timestamp":"t","id_estacio":1}]}`],
    ['an escape in the id', `{"id_estacio":"caf\\u00e9"}`],
    ['a number', `{"id_estacio":7}`],
    ['a key used as a value', `{"name":"id_estacio","id":"a"}`],
    ['an unterminated string', `{"id_estacio":"abc`],
  ])('leaves the body to the parser: %s', (_name, body) => {
    expect(scanStationId(body)).toBeUndefined();
  });
});

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
    [
      'a __proto__ key',
      `{"id_estacio":"s","numero_mostres":0,"mostres":[],"__proto__":{"x":1}}`,
      /^__proto__: /,
    ],
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

describe('DetectionBlock', () => {
  const text = `{"id_estacio":"s","numero_mostres":1,"mostres":[${sample}]}`;

  it('reads its text as readDetectionBlock does, once', () => {
    const block = new DetectionBlock(text, readDetectionBlock);
    expect({ id: block.id, samples: block.samples }).toEqual(readDetectionBlock(text));
    expect(block.samples).toBe(block.samples);
  });

  it('names its station by the scan, by reading when the scan cannot tell, or not at all', () => {
    expect(new DetectionBlock(text, readDetectionBlock).station).toBe('s');
    const escaped = `{"id_estacio":"caf\\u00e9","numero_mostres":1,"mostres":[${sample}]}`;
    expect(new DetectionBlock(escaped, readDetectionBlock).station).toBe('café');
    expect(new DetectionBlock('{"id_estacio":7}', readDetectionBlock).station).toBeUndefined();
  });

  it('throws the 400 of its text when read', () => {
    const block = new DetectionBlock(
      '{"id_estacio":"s","numero_mostres":2,"mostres":[]}',
      readDetectionBlock,
    );
    expect(() => block.samples).toThrow(ExecutorError);
  });
});
