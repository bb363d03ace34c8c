import { describe, expect, it } from 'vitest';
import { fromStreamFields, outboxStreamKey, toStreamFields } from './outbox-stream-entry.js';

describe('outbox stream entries', () => {
  it('read back what was written', () => {
    const entry = { seq: 7, key: 'e-7', path: '/outliers' as const, body: [{ variable: 'T', dates: ['d'] }] };
    expect(fromStreamFields(toStreamFields('st-1', entry))).toEqual({ station: 'st-1', entry });
  });

  it('refuse an entry with a missing or unknown field', () => {
    const fields = toStreamFields('st-1', { seq: 1, key: 'k', path: '/outliers/validate', body: {} });
    expect(() => fromStreamFields(fields.slice(0, 8))).toThrow(/malformed/);
    const badPath = [...fields];
    badPath[7] = '/elsewhere';
    expect(() => fromStreamFields(badPath)).toThrow(/malformed/);
  });

  it('live under the key prefix', () => {
    expect(outboxStreamKey('outliers:')).toBe('outliers:outbox');
  });
});
