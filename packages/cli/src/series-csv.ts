import { readFileSync } from 'node:fs';

/** A `timestamp,value` series as read from a CSV file (NAB's format). */
export interface Series {
  timestamps: string[];
  values: number[];
}

/**
 * Reads a CSV whose header names `timestamp` and `value` columns (any order, other columns ignored).
 * @throws {Error} naming the file and line of a missing column or a non-numeric value.
 */
export function readSeriesCsv(path: string): Series {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  const ti = header.indexOf('timestamp');
  const vi = header.indexOf('value');
  if (ti < 0 || vi < 0) throw new Error(`${path}: header must name 'timestamp' and 'value' columns`);
  const timestamps: string[] = [];
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    const value = Number(cells[vi]);
    if (cells[vi] === undefined || cells[vi]!.trim() === '' || !Number.isFinite(value)) {
      throw new Error(`${path}:${i + 1}: value is not a finite number (${String(cells[vi])})`);
    }
    timestamps.push((cells[ti] ?? '').trim());
    values.push(value);
  }
  return { timestamps, values };
}

/** Parses NAB timestamps ('2014-04-10 07:15:00' or with '.000000' microseconds) as UTC epoch milliseconds. */
export function parseTimestamp(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(text.trim());
  if (!m) throw new Error(`unparseable timestamp '${text}'`);
  const millis = (m[3] ?? '').padEnd(3, '0').slice(0, 3);
  return Date.parse(`${m[1]}T${m[2]}.${millis}Z`);
}
