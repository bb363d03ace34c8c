import type { OutboxEntry } from '../station/station-state.js';

/**
 * How an outbox entry is laid out in the Redis stream shared by every executor of a cluster: the Redis station
 * store appends entries in the same atomic commit as the station's state, and the stream dispatcher reads them
 * back. One module for both sides, so the two can never disagree on a field.
 */
export interface StreamedOutboxEntry {
  station: string;
  entry: OutboxEntry;
}

/** The stream's key under the configured key prefix. */
export function outboxStreamKey(prefix: string): string {
  return `${prefix}outbox`;
}

/**
 * The hash of undelivered entries per station (field: station id), the per-station delivery bound's count: raised
 * by the commit that appends a station's entries, lowered by the script that deletes a delivered one.
 */
export function outboxPendingKey(prefix: string): string {
  return `${prefix}outbox:pending`;
}

/** Field/value pairs for XADD. */
export function toStreamFields(station: string, entry: OutboxEntry): string[] {
  return [
    'station',
    station,
    'seq',
    String(entry.seq),
    'key',
    entry.key,
    'path',
    entry.path,
    'body',
    JSON.stringify(entry.body),
  ];
}

/** Reads the field/value pairs of one stream entry (as XREADGROUP returns them); throws on a malformed entry. */
export function fromStreamFields(fields: readonly string[]): StreamedOutboxEntry {
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i] as string, fields[i + 1] as string);
  const station = values.get('station');
  const seq = Number(values.get('seq'));
  const key = values.get('key');
  const path = values.get('path');
  const body = values.get('body');
  if (
    station === undefined ||
    !Number.isSafeInteger(seq) ||
    key === undefined ||
    (path !== '/outliers' && path !== '/outliers/validate') ||
    body === undefined
  ) {
    throw new Error(`malformed outbox stream entry: ${JSON.stringify(fields)}`);
  }
  return { station, entry: { seq, key, path, body: JSON.parse(body) as unknown } };
}
