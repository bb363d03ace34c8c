import { badRequest } from '../errors.js';
import type { StationSample } from './detect-station-stream.js';
import { parseTimestamp } from './timestamps.js';

/** A /detection sample after schema validation: nested `values`, flat variables, or both. */
export interface RawSample {
  timestamp: string;
  values?: Record<string, number | null>;
  [variable: string]: unknown;
}

/**
 * Checks `numero_mostres` against the array and turns samples of either form into StationSamples. Flat variables
 * and nested `values` may be mixed; a name present in both takes the nested value.
 * @throws 400 naming `numero_mostres` or `mostres[i].timestamp`.
 */
export function toStationSamples(count: number, samples: readonly RawSample[]): StationSample[] {
  if (count !== samples.length) {
    throw badRequest('numero_mostres', `is ${count} but mostres holds ${samples.length} samples`);
  }
  return samples.map((sample, i) => {
    const time = parseTimestamp(sample.timestamp);
    if (time === undefined) {
      throw badRequest(`mostres[${i}].timestamp`, `not a valid date and time: "${sample.timestamp}"`);
    }
    const { timestamp, values, ...flat } = sample;
    const merged = values ? { ...(flat as Record<string, number | null>), ...values } : flat;
    return { timestamp, time, values: merged as Record<string, number | null> };
  });
}
