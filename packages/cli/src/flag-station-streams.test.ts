import { Random } from '@outliers/core';
import { describe, expect, it } from 'vitest';
import { flagStationStreams } from './flag-station-streams.js';
import type { StreamDataset } from './station-streams.js';
import { streamKey } from './stream-score.js';

/** One station, one variable: a noisy daily cycle with two large spikes. */
function series(): number[] {
  const random = new Random(11);
  const values = Array.from(
    { length: 600 },
    (_, i) => 10 + Math.sin((2 * Math.PI * i) / 96) + 0.05 * random.normal(),
  );
  values[300] = 30;
  values[450] = -10;
  return values;
}

/** Half-hourly rows from 2024-01-01, as the generator writes them. */
function stamp(minutes: number): string {
  return new Date(Date.UTC(2024, 0, 1) + minutes * 60_000).toISOString().replace('T', ' ').slice(0, 19);
}

function dataset(values: Array<number | null>, times: string[]): StreamDataset {
  return {
    seed: 0,
    digest: '',
    variables: ['x'],
    stations: [{ name: 'st1', timestamps: times, values: new Map([['x', values]]) }],
    events: [],
  };
}

describe('flagStationStreams', () => {
  for (const detector of ['default', 'reference']) {
    it(`skips missing values and reports the rows of the flagged samples (${detector})`, () => {
      const options = { detector, window: 32 };
      const times = series().map((_, i) => stamp(30 * i));
      const clean = flagStationStreams(dataset(series(), times), options).get(streamKey('st1', 'x'))!;
      expect(clean).toContain(300);
      expect(clean).toContain(450);
      // The same values and times with two missing rows in between: the detector sees the identical sequence,
      // and rows after a gap move by one.
      const gapped: Array<number | null> = series();
      const gappedTimes = [...times];
      gapped.splice(200, 0, null);
      gappedTimes.splice(200, 0, stamp(30 * 199 + 15));
      gapped.splice(401, 0, null);
      gappedTimes.splice(401, 0, stamp(30 * 399 + 15));
      const shifted = clean.map((row) => row + (row >= 200 ? 1 : 0) + (row >= 400 ? 1 : 0));
      const flagged = flagStationStreams(dataset(gapped, gappedTimes), options).get(streamKey('st1', 'x'));
      expect(flagged).toEqual(shifted);
    });
  }
});
