import { describe, expect, it } from 'vitest';
import { readDetectionBlock } from '../detection/detection-block.js';
import { packBlock, unpackBlock } from './packed-block.js';

describe('packBlock / unpackBlock', () => {
  it('bring back the block read from the body, null values left out (detection reads both as missing)', () => {
    const body: object = {
      id_estacio: 'río/1',
      numero_mostres: 4,
      mostres: [
        { timestamp: '2021-01-01 00:00:00', values: { a: 1.5, b: null } },
        { timestamp: '2021-01-01T00:15:00Z', a: -2, toString: 3 },
        { timestamp: '2021-01-01 00:30:00', values: {} },
        { timestamp: '2021-01-01 00:45:00', values: { constructor: 0, b: 1e300 } },
      ],
    };
    const block = readDetectionBlock(JSON.stringify(body));
    const back = unpackBlock(structuredClone(packBlock(block)));
    expect(back.id).toBe('río/1');
    expect(back.samples.map((s) => [s.timestamp, s.time])).toEqual(
      block.samples.map((s) => [s.timestamp, s.time]),
    );
    const values: Record<string, number>[] = [
      { a: 1.5 },
      { a: -2, toString: 3 },
      {},
      { constructor: 0, b: 1e300 },
    ];
    expect(back.samples.map((s) => ({ ...s.values }))).toEqual(values);
  });

  it('keep an empty block empty', () => {
    expect(unpackBlock(packBlock({ id: 's', samples: [] }))).toEqual({ id: 's', samples: [] });
  });
});
