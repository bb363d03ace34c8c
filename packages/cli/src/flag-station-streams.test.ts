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

function dataset(values: Array<number | null>): StreamDataset {
  return {
    seed: 0,
    digest: '',
    variables: ['x'],
    stations: [
      { name: 'st1', timestamps: values.map((_, i) => String(i)), values: new Map([['x', values]]) },
    ],
    events: [],
  };
}

describe('flagStationStreams', () => {
  for (const detector of ['default', 'reference']) {
    it(`skips missing values and reports the rows of the flagged samples (${detector})`, () => {
      const options = { detector, window: 32 };
      const clean = flagStationStreams(dataset(series()), options).get(streamKey('st1', 'x'))!;
      expect(clean).toContain(300);
      expect(clean).toContain(450);
      // The same values with two gaps: the detector sees the identical sequence, rows after a gap move by one.
      const gapped: Array<number | null> = series();
      gapped.splice(200, 0, null);
      gapped.splice(401, 0, null);
      const shifted = clean.map((row) => row + (row >= 200 ? 1 : 0) + (row >= 400 ? 1 : 0));
      expect(flagStationStreams(dataset(gapped), options).get(streamKey('st1', 'x'))).toEqual(shifted);
    });
  }
});
