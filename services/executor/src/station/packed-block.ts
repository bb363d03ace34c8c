import type { StationSample } from '../detection/detect-station-stream.js';
import type { DetectionBlock } from '../detection/detection-block.js';

/**
 * A DetectionBlock as it crosses to a station thread: the samples' values as one matrix instead of an object per
 * sample, because structured cloning many small objects costs more than parsing the body they came from.
 */
export interface PackedBlock {
  id: string;
  /** The timestamps as sent, end to end: sample `s`'s ends at `timestampEnds[s]` (one string clones faster). */
  timestamps: string;
  timestampEnds: Uint32Array;
  times: Float64Array;
  /** The variables named in the block. */
  names: string[];
  /** Sample-major: the value of `names[v]` in sample `s` at `s * names.length + v`; NaN where missing or null. */
  values: Float64Array;
}

export function packBlock({ id, samples }: DetectionBlock): PackedBlock {
  const column = new Map<string, number>();
  for (const sample of samples)
    for (const name in sample.values) if (!column.has(name)) column.set(name, column.size);
  const width = column.size;
  let timestamps = '';
  const timestampEnds = new Uint32Array(samples.length);
  const times = new Float64Array(samples.length);
  const values = new Float64Array(samples.length * width).fill(Number.NaN);
  for (let s = 0; s < samples.length; s++) {
    const sample = samples[s]!;
    timestamps += sample.timestamp;
    timestampEnds[s] = timestamps.length;
    times[s] = sample.time;
    for (const name in sample.values) {
      const value = sample.values[name];
      if (typeof value === 'number') values[s * width + column.get(name)!] = value;
    }
  }
  return { id, timestamps, timestampEnds, times, names: [...column.keys()], values };
}

/** The block packBlock packed; a missing or null value comes back absent (detection reads both as missing). */
export function unpackBlock({
  id,
  timestamps,
  timestampEnds,
  times,
  names,
  values,
}: PackedBlock): DetectionBlock {
  const width = names.length;
  const samples = new Array<StationSample>(times.length);
  for (let s = 0; s < samples.length; s++) {
    const sampleValues: Record<string, number> = Object.create(null);
    for (let v = 0; v < width; v++) {
      const value = values[s * width + v]!;
      if (!Number.isNaN(value)) sampleValues[names[v]!] = value;
    }
    const timestamp = timestamps.slice(s === 0 ? 0 : timestampEnds[s - 1], timestampEnds[s]);
    samples[s] = { timestamp, time: times[s]!, values: sampleValues };
  }
  return { id, samples };
}
