import { randomUUID } from 'node:crypto';
import type { StreamDetector, StreamDetectorOptions } from '@outliers/core';
import { streamSeed } from '@outliers/core';
import type { Station, VariableState } from '../station/station-state.js';

/** How the service makes detectors (the registry of @outliers/core, or a stand-in in tests). */
export interface DetectorBackend {
  /** Validates `/initialize` input for one variable (a window number or an options object). */
  normalize(input: unknown): StreamDetectorOptions;
  create(options: StreamDetectorOptions): StreamDetector;
  restore: (state: ReturnType<StreamDetector['toJSON']>) => StreamDetector;
}

/**
 * Applies `/initialize` to a station (new when `station` is undefined). Per variable: the same options as before
 * keep the detector and its state; changed options start a new detector (and forget the variable's pending dates,
 * counters and last timestamp); variables not named any more are dropped. The seed is derived from station and
 * variable. Options must already be normalised.
 */
export function initializeStation(
  station: Station | undefined,
  id: string,
  variables: ReadonlyMap<string, StreamDetectorOptions>,
  backend: DetectorBackend,
  now: Date,
): Station {
  const next: Station = station ?? {
    id,
    epoch: randomUUID(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    variables: new Map(),
    blocks: 0,
    unknown: 0,
    outbox: [],
    nextEntrySeq: 0,
    historyNext: 0,
    version: 0,
  };
  const merged = new Map<string, VariableState>();
  for (const [name, requested] of variables) {
    const options: StreamDetectorOptions = { ...requested, seed: streamSeed(id, name) };
    const current = next.variables.get(name);
    if (current && sameOptions(current.options, options)) {
      merged.set(name, current);
      continue;
    }
    merged.set(name, {
      options,
      detector: backend.create(options),
      pending: [],
      pendingStart: 0,
      lastTime: null,
      lastTimestamp: null,
      missing: 0,
      stale: 0,
      outliers: 0,
    });
  }
  next.variables = merged;
  next.updatedAt = now.toISOString();
  return next;
}

function sameOptions(a: StreamDetectorOptions, b: StreamDetectorOptions): boolean {
  return canonical(a) === canonical(b);
}

function canonical(options: StreamDetectorOptions): string {
  const entries = Object.entries(options)
    .filter(([, v]) => v !== undefined)
    .sort(([x], [y]) => (x < y ? -1 : 1));
  return JSON.stringify(entries);
}
