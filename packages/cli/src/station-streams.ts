import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One labelled event of gen_streams.py; `start` and `end` are inclusive row indices of the labelled span. */
export interface StreamEvent {
  station: string;
  variable: string;
  kind: string;
  start: number;
  end: number;
  /** Size in local sigmas (spikes: the configured k, e.g. 4..20); null for kinds without one (stuck). */
  magnitude_sigma: number | null;
}

/** One station: shared timestamps and, per variable, one value per row (null where the value is missing). */
export interface StreamStation {
  name: string;
  timestamps: string[];
  values: Map<string, Array<number | null>>;
}

/** A generated station-stream set as harness.py's load_dataset() sees it. */
export interface StreamDataset {
  seed: number;
  digest: string;
  variables: string[];
  stations: StreamStation[];
  events: StreamEvent[];
}

interface Manifest {
  seed: number;
  digest: string;
  variables: string[];
  stations: string[];
  files: Record<string, { file: string }>;
  events: StreamEvent[];
}

/**
 * Loads the output of gen_streams.py (manifest.json + `<station>_<variable>.csv`) like harness.py's
 * load_dataset(): optionally only some stations and the first `limit` rows; events starting past the kept rows
 * are dropped and the others clipped to the last kept row. A cell that is empty or not a finite number is a
 * missing value (null), which the evaluator skips like the service skips a null or absent value.
 * @throws {Error} naming the file when a variable's timestamps differ from the station's first variable.
 */
export function loadStationStreams(
  dir: string,
  select: { stations?: readonly string[]; limit?: number } = {},
): StreamDataset {
  const man = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const stations: StreamStation[] = [];
  for (const name of man.stations) {
    if (select.stations && !select.stations.includes(name)) continue;
    let timestamps: string[] | undefined;
    const values = new Map<string, Array<number | null>>();
    for (const variable of man.variables) {
      const entry = man.files[`${name}/${variable}`];
      if (!entry) throw new Error(`manifest.json lists no file for ${name}/${variable}`);
      const file = join(dir, entry.file);
      const columns = readColumns(file, select.limit);
      timestamps ??= columns.timestamps;
      if (columns.timestamps.join('\n') !== timestamps.join('\n')) {
        throw new Error(`${file}: timestamps differ from the station's other variables`);
      }
      values.set(variable, columns.values);
    }
    stations.push({ name, timestamps: timestamps ?? [], values });
  }
  const rows = new Map(stations.map((s) => [s.name, s.timestamps.length]));
  const events: StreamEvent[] = [];
  for (const e of man.events) {
    const n = rows.get(e.station);
    if (n !== undefined && e.start < n) events.push({ ...e, end: Math.min(e.end, n - 1) });
  }
  return { seed: man.seed, digest: man.digest, variables: man.variables, stations, events };
}

function readColumns(file: string, limit?: number): { timestamps: string[]; values: Array<number | null> } {
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l !== '');
  const header = (lines[0] ?? '').split(',');
  const ti = header.indexOf('timestamp');
  const vi = header.indexOf('value');
  if (ti < 0 || vi < 0) throw new Error(`${file}: header must name 'timestamp' and 'value' columns`);
  const end = limit === undefined ? lines.length : Math.min(lines.length, limit + 1);
  const timestamps: string[] = [];
  const values: Array<number | null> = [];
  for (let i = 1; i < end; i++) {
    const cells = lines[i]!.split(',');
    const text = cells[vi]?.trim() ?? '';
    const value = Number(text);
    timestamps.push(cells[ti] ?? '');
    values.push(text !== '' && Number.isFinite(value) ? value : null);
  }
  return { timestamps, values };
}
