import {
  createStreamDetector,
  type ScoredSample,
  type StreamDetectorOptions,
  streamSeed,
} from '@outliers/core';
import { parseTimestamp } from './series-csv.js';
import type { StreamDataset } from './station-streams.js';
import { streamKey } from './stream-score.js';

/**
 * Runs one fresh detector per (station, variable) over a dataset the way the station service does, in process:
 * values are pushed in row order, missing ones (null) are skipped for that variable only, each pushed value
 * keeps its row, and the rows of the samples scored `outlier` are that stream's flags. The detector is seeded
 * with streamSeed(stationPrefix + station, variable) like the service seeds it from the station id it receives;
 * at the end of the stream flush() (when the detector has one) scores what is still pending.
 * @returns flagged row indices per streamKey(station, variable), in increasing order.
 * @throws {InvalidInputError} from the detector options (window, mode, threshold...).
 */
export function flagStationStreams(
  dataset: StreamDataset,
  options: Omit<StreamDetectorOptions, 'seed'>,
  stationPrefix = '',
): Map<string, number[]> {
  const flags = new Map<string, number[]>();
  for (const station of dataset.stations) {
    for (const variable of dataset.variables) {
      const detector = createStreamDetector({
        ...options,
        seed: streamSeed(stationPrefix + station.name, variable),
      });
      const rowOfSeq: number[] = [];
      const flagged: number[] = [];
      const record = (scored: ScoredSample[]) => {
        for (const s of scored) if (s.outlier) flagged.push(rowOfSeq[s.seq]!);
      };
      const values = station.values.get(variable) ?? [];
      for (let row = 0; row < values.length; row++) {
        const value = values[row];
        if (value === null || value === undefined) continue;
        rowOfSeq.push(row);
        record(detector.push(value, parseTimestamp(station.timestamps[row]!)));
      }
      if (detector.flush) record(detector.flush());
      flags.set(streamKey(station.name, variable), flagged);
    }
  }
  return flags;
}
