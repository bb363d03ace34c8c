import { badRequest } from '../errors.js';
import type { StationSample } from './detect-station-stream.js';
import { parseContractForm, parseTimestamp } from './timestamps.js';

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

/**
 * The samples of a common block read in one pass, without the schema check: `count` matching, every sample an
 * object with a timestamp in the contract's form and variables (flat, or nested in a `values` object) that are
 * finite numbers or null. Undefined for anything else: the caller then checks the schema and reads the block with
 * toStationSamples, whose errors name the field. Only parsed JSON comes here (no Dates, no inherited keys), and
 * what is read here passes the DetectionBody schema's checks of `numero_mostres` and `mostres` (which checks no
 * more) and reads as toStationSamples reads it, in half the time of the schema check and toStationSamples.
 */
export function plainStationSamples(count: unknown, samples: unknown): StationSample[] | undefined {
  if (!Array.isArray(samples) || count !== samples.length) return undefined;
  const out = new Array<StationSample>(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const sample: unknown = samples[i];
    if (!isObject(sample)) return undefined;
    const { timestamp } = sample;
    const time = typeof timestamp === 'string' ? parseContractForm(timestamp) : undefined;
    if (time === undefined || !hasPlainValues(sample)) return undefined;
    out[i] = { timestamp: timestamp as string, time, values: valuesOf(sample as RawSample) };
  }
  return out;
}

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every key of the sample but `timestamp` is a variable holding a finite number or null, or `values`: an object of them. */
function hasPlainValues(sample: Record<string, unknown>): boolean {
  for (const key in sample) {
    if (key === 'timestamp') continue;
    const value = sample[key];
    if (key === 'values' ? !isObject(value) || !allFiniteOrNull(value) : !isFiniteOrNull(value)) return false;
  }
  return true;
}

function allFiniteOrNull(values: Record<string, unknown>): boolean {
  for (const key in values) if (!isFiniteOrNull(values[key])) return false;
  return true;
}

function isFiniteOrNull(value: unknown): boolean {
  return value === null || Number.isFinite(value);
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
