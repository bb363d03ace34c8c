import { describe, expect, it } from 'vitest';
import { parseDruidTimestamp } from './druid-timestamp.js';

describe('parseDruidTimestamp', () => {
  it('agrees with Date.parse on Druid timestamps across years, months and leap days', () => {
    const start = Date.UTC(1970, 0, 1);
    for (let i = 0; i < 20_000; i++) {
      // A pseudo-random instant from 1970 to about 2100, with milliseconds.
      const time = start + Math.floor(((Math.sin(i * 12.9898) + 1) / 2) * 4.1e12);
      const text = new Date(time).toISOString();
      expect(parseDruidTimestamp(text), text).toBe(Date.parse(text));
    }
  });

  it.each([
    '2024-02-29T23:59:59.999Z',
    '2023-02-29T00:00:00.000Z', // no such day
    '2024-04-31T00:00:00.000Z',
    '2024-13-01T00:00:00.000Z',
    '2024-00-10T00:00:00.000Z',
    '2024-05-06T24:00:00.000Z',
    '2024-05-06T23:60:00.000Z',
    '2024-05-06T23:59:60.000Z',
    '0099-05-06T00:00:00.000Z',
    '0000-01-01T00:00:00.000Z',
    '2024-05-0xT00:00:00.000Z',
    '2024-05-06T00:00:00.00aZ',
    '2024-05-06 00:00:00.000Z',
    '2024-05-06T00:00:00Z',
    '2024-05-06T00:00:00.000+01:00',
    '2024-05-06',
    'noon',
    '',
  ])('gives what Date.parse gives for %j', (text) => {
    expect(Object.is(parseDruidTimestamp(text), Date.parse(text))).toBe(true);
  });
});
