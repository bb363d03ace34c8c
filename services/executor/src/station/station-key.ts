import { createHash } from 'node:crypto';

/**
 * A station's fixed-length key, the SHA-256 of its id in hex: ids are arbitrary strings (`_`, `/`, unicode). The
 * disk store names the station's files by it and the station threads pick a station's shard from it, so a thread's
 * store lists its own stations' files without reading any.
 */
export function stationKey(id: string): string {
  let key = keys.get(id);
  if (key === undefined) {
    key = createHash('sha256').update(id).digest('hex');
    if (keys.size >= KEYS_CACHED) keys.clear();
    keys.set(id, key);
  }
  return key;
}

/** Keys of recent ids (one hash per block otherwise); cleared when full, which bounds it cheaply. */
const keys = new Map<string, string>();
const KEYS_CACHED = 65_536;
