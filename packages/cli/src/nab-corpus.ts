import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTimestamp, readSeriesCsv, type Series } from './series-csv.js';

/** One NAB data file with its labelled windows as inclusive row-index ranges. */
export interface NabFile {
  /** Relative name as in the labels file, e.g. 'realKnownCause/nyc_taxi.csv'. */
  name: string;
  series: Series;
  windows: Array<[number, number]>;
}

/**
 * Loads every DIR/data/<category>/<file>.csv with its windows from DIR/labels/combined_windows.json.
 * @throws {Error} when a file has no entry in the labels or a window edge is not one of its timestamps.
 */
export function loadNabCorpus(dir: string): NabFile[] {
  const labels = JSON.parse(readFileSync(join(dir, 'labels', 'combined_windows.json'), 'utf8')) as Record<
    string,
    Array<[string, string]>
  >;
  const files: NabFile[] = [];
  for (const category of readdirSync(join(dir, 'data')).sort()) {
    for (const file of readdirSync(join(dir, 'data', category)).sort()) {
      if (!file.endsWith('.csv')) continue;
      const name = `${category}/${file}`;
      const windows = labels[name];
      if (!windows) throw new Error(`${name} has no entry in combined_windows.json`);
      const series = readSeriesCsv(join(dir, 'data', category, file));
      const index = new Map(series.timestamps.map((t, i) => [parseTimestamp(t), i]));
      const rowOf = (t: string) => {
        const i = index.get(parseTimestamp(t));
        if (i === undefined) throw new Error(`${name}: window edge ${t} is not a row timestamp`);
        return i;
      };
      files.push({ name, series, windows: windows.map(([a, b]) => [rowOf(a), rowOf(b)]) });
    }
  }
  return files;
}
