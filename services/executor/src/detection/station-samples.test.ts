import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { detectionBody } from '../schemas/station-stream.js';
import { compileCheck } from '../schemas/validator-compiler.js';
import { plainStationSamples, type RawSample, toStationSamples } from './station-samples.js';

const checkBody = compileCheck(detectionBody(loadConfig({})));

function body(mostres: unknown[]): { id_estacio: string; numero_mostres: number; mostres: unknown[] } {
  return JSON.parse(JSON.stringify({ id_estacio: 's', numero_mostres: mostres.length, mostres }));
}

describe('plainStationSamples', () => {
  it.each([
    ['nested', [{ timestamp: '2021-01-01 00:00:00', values: { a: 1.5, b: -2 } }]],
    ['flat', [{ timestamp: '2021-01-01T00:15:00', a: 3, b: null }]],
    ['both forms, a name in both', [{ timestamp: '2021-01-01 00:30:00', a: 1, values: { a: 2, c: 0 } }]],
    [
      'missing and null values',
      [{ timestamp: '2021-01-01 00:45:00', values: { a: null } }, { timestamp: '2021-01-01 01:00:00' }],
    ],
    ['no samples', []],
    [
      'a variable named values-like keys',
      [{ timestamp: '2020-02-29 23:59:59', values: { timestamp: 4, values: 5 } }],
    ],
  ])('reads a common block as the schema check and toStationSamples do: %s', (_name, mostres) => {
    const b = body(mostres);
    expect(checkBody(b)).toBeUndefined();
    const plain = plainStationSamples(b.numero_mostres, b.mostres);
    expect(plain).toBeDefined();
    expect(plain).toEqual(toStationSamples(b.numero_mostres, b.mostres as RawSample[]));
  });

  it.each([
    [
      'an ISO timestamp with a zone (read by the general parser)',
      [{ timestamp: '2021-01-01T00:00:00Z', a: 1 }],
      true,
    ],
    ['a date alone', [{ timestamp: '2021-01-01', a: 1 }], true],
    ['a month 13', [{ timestamp: '2021-13-01 00:00:00', a: 1 }], false],
    ['February 30', [{ timestamp: '2021-02-30 00:00:00', a: 1 }], false],
    ['a number as timestamp', [{ timestamp: 20210101, a: 1 }], false],
    ['a string value', [{ timestamp: '2021-01-01 00:00:00', values: { a: '1' } }], false],
    ['a flat string value', [{ timestamp: '2021-01-01 00:00:00', a: '1' }], false],
    ['a flat object', [{ timestamp: '2021-01-01 00:00:00', a: { b: 1 } }], false],
    ['values as an array', [{ timestamp: '2021-01-01 00:00:00', values: [1] }], false],
    ['values as null', [{ timestamp: '2021-01-01 00:00:00', values: null }], false],
    ['a sample that is not an object', [[1, 2]], false],
  ])('declines %s, left to the schema check', (_name, mostres, valid) => {
    const b = body(mostres);
    expect(plainStationSamples(b.numero_mostres, b.mostres)).toBeUndefined();
    expect(checkBody(b) === undefined && toStationSamplesOrError(b) === undefined).toBe(valid);
  });

  it('declines a count that does not match and a missing array', () => {
    expect(plainStationSamples(2, body([]).mostres)).toBeUndefined();
    expect(plainStationSamples(0, undefined)).toBeUndefined();
    expect(plainStationSamples('0', [])).toBeUndefined();
  });
});

function toStationSamplesOrError(b: ReturnType<typeof body>): unknown {
  try {
    toStationSamples(b.numero_mostres, b.mostres as RawSample[]);
    return undefined;
  } catch (error) {
    return error;
  }
}
