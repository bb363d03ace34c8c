import { describe, expect, it } from 'vitest';
import { parseTrainingPeriod } from './training-period.js';

describe('parseTrainingPeriod', () => {
  it('reads ISO-8601 instants as Druid does (UTC unless they say otherwise)', () => {
    expect(parseTrainingPeriod({ from: '2024-05-01', to: '2024-05-02T06:00:00+02:00' })).toEqual({
      from: new Date('2024-05-01T00:00:00Z'),
      to: new Date('2024-05-02T04:00:00Z'),
    });
    expect(parseTrainingPeriod({ to: '2024-05-02T06:00' })).toEqual({ to: new Date('2024-05-02T06:00:00Z') });
    expect(parseTrainingPeriod({})).toEqual({});
  });

  it.each([
    [{ from: 'yesterday' }, /^--from: not an ISO-8601 instant: "yesterday"/],
    [{ to: '2024-02-30T25:00' }, /^--to: /],
    [{ from: '2024-05-02', to: '2024-05-02' }, /^--from: 2024-05-02T00:00:00.000Z is not before --to/],
    [{ from: '2024-05-03', to: '2024-05-02' }, /^--from: /],
  ])('rejects %j naming the flag', (flags, message) => {
    expect(() => parseTrainingPeriod(flags)).toThrow(RangeError);
    expect(() => parseTrainingPeriod(flags)).toThrow(message);
  });
});
