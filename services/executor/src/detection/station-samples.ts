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
  const out = new Array<StationSample>(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i]!;
    const time = parseTimestamp(sample.timestamp);
    if (time === undefined) {
      throw badRequest(`mostres[${i}].timestamp`, `not a valid date and time: "${sample.timestamp}"`);
    }
    out[i] = { timestamp: sample.timestamp, time, values: valuesOf(sample) };
  }
  return out;
}

/** The sample's values; the nested object itself when there are no flat ones (the usual case: no copy). */
function valuesOf(sample: RawSample): Record<string, number | null> {
  let flat: Record<string, number | null> | undefined;
  for (const key in sample) {
    if (key === 'timestamp' || key === 'values') continue;
    flat ??= Object.create(null) as Record<string, number | null>;
    flat[key] = sample[key] as number | null;
  }
  if (!flat) return sample.values ?? EMPTY;
  return sample.values ? Object.assign(flat, sample.values) : flat;
}

const EMPTY: Record<string, number | null> = Object.freeze(Object.create(null));
