import { describe, expect, it } from 'vitest';
import { parseContractForm, parseTimestamp, TIMESTAMP_PATTERN } from '../src/detection/timestamps.js';

describe('parseTimestamp', () => {
  it.each([
    '2021-01-01 00:00:00',
    '2021-12-31T23:59:59',
    '2024-02-29 12:30:45',
    '2000-02-29 00:00:00',
    '1970-01-01 00:00:00',
    '2021-06-15T08:05:09Z',
    '2021-06-15T08:05:09.250+02:00',
    '2021-06-15',
    '2021-06-15T08:05',
  ])('reads %s as Date.parse does (UTC when no zone)', (text) => {
    const iso = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text.slice(10))
      ? text
      : `${text.replace(' ', 'T')}${text.length === 10 ? 'T00:00:00' : ''}Z`;
    expect(parseTimestamp(text)).toBe(Date.parse(iso));
  });

  it.each([
    '2021-02-29 00:00:00',
    '1900-02-29 00:00:00',
    '2021-04-31 00:00:00',
    '2021-13-01 00:00:00',
    '2021-00-01 00:00:00',
    '2021-01-00 00:00:00',
    '2021-01-01 24:00:00',
    '2021-01-01 23:60:00',
    '2021-01-01 23:00:60',
    '2021-01-01x00:00:00',
    '2021-01-01 0a:00:00',
    '2021/01/01 00:00:00',
    '+021-01-01 00:00:00',
    'yesterday',
  ])('rejects %s', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });
});

describe('parseContractForm', () => {
  it.each([
    ['2021-01-01 00:00:00', true],
    ['2021-12-31T23:59:59', true],
    ['2024-02-29 12:30:45', true],
    ['2023-02-29 12:30:45', false],
    ['2021-01-01 00:00:0\u0663', false],
    ['2021-01-01x00:00:00', false],
    ['2021-01-01 00:00:00Z', false],
    ['+021-01-01 00:00:00', false],
  ])('reads %s only if the schema pattern accepts it (and parseTimestamp agrees)', (text, read) => {
    const time = parseContractForm(text);
    expect(time !== undefined).toBe(read);
    if (time !== undefined) {
      expect(new RegExp(TIMESTAMP_PATTERN).test(text)).toBe(true);
      expect(time).toBe(parseTimestamp(text));
    }
  });
});
