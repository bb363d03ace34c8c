import { describe, expect, it } from 'vitest';
import { sensorFromFilter } from './sensor.js';

const sel = (dimension: string, value: string) => ({ type: 'selector', dimension, value });

describe('sensorFromFilter', () => {
  it('reads a selector on sensor_name', () => {
    expect(sensorFromFilter(sel('sensor_name', 'ASR'))).toBe('ASR');
  });

  it('reads it inside nested and filters', () => {
    const filter = {
      type: 'and',
      fields: [sel('application_id_name', 'http'), { type: 'and', fields: [sel('sensor_name', 'bcn-1')] }],
    };
    expect(sensorFromFilter(filter)).toBe('bcn-1');
  });

  it('reads equals and single-value in filters', () => {
    expect(sensorFromFilter({ type: 'equals', column: 'sensor_name', matchValue: 's1' })).toBe('s1');
    expect(sensorFromFilter({ type: 'in', dimension: 'sensor_name', values: ['s2'] })).toBe('s2');
  });

  it.each([
    ['no filter', undefined],
    ['another dimension', sel('sensor_uuid', 'x')],
    ['an or of sensors', { type: 'or', fields: [sel('sensor_name', 'a'), sel('sensor_name', 'b')] }],
    ['a negation', { type: 'not', field: sel('sensor_name', 'a') }],
    ['two sensors under and', { type: 'and', fields: [sel('sensor_name', 'a'), sel('sensor_name', 'b')] }],
    ['an in of two', { type: 'in', dimension: 'sensor_name', values: ['a', 'b'] }],
    ['an empty value', sel('sensor_name', '')],
  ])('gives null for %s', (_, filter) => {
    expect(sensorFromFilter(filter)).toBeNull();
  });
});
