import type { ScoredSample } from '@outliers/core';
import type { HistoryEntry, OutlierDetail, Station } from '../station/station-state.js';

/** One sample of a /detection block, timestamps already parsed. Absent or null values are missing. */
export interface StationSample {
  timestamp: string;
  time: number;
  values: Readonly<Record<string, number | null | undefined>>;
}

/** The dates (as sent) this block revealed as outliers for one variable, in stream order, with their details. */
export interface VariableOutliers {
  variable: string;
  dates: string[];
  /** One per date: score, and where the detector tells them, why, what it expected and the band it accepted. */
  points: Array<{ date: string } & OutlierDetail>;
}

export interface BlockResult {
  outliers: VariableOutliers[];
  /** The same outliers with scores, numbered from `station.historyNext`. */
  history: HistoryEntry[];
  skipped: { missing: number; stale: number; unknown: number };
}

/**
 * Feeds one block to a station's detectors, sample by sample in the order given. Per variable: a missing value is
 * skipped and counted; a timestamp not newer than the last accepted one (a re-sent block) is skipped and counted,
 * so re-sends never duplicate outliers; otherwise the value is pushed and its timestamp kept until the detector
 * scores it (possibly in a later block). Values of variables the station does not know are ignored and counted.
 *
 * Mutates the station (detectors, counters, `blocks`, `historyNext`); the caller persists it or reloads it.
 */
export function detectStationStream(station: Station, samples: readonly StationSample[]): BlockResult {
  const block = station.blocks + 1;
  const found = new Map<string, VariableOutliers>();
  const history: HistoryEntry[] = [];
  const skipped = { missing: 0, stale: 0, unknown: 0 };
  // Indexed loops over arrays made once per block: iterating the Map (or for-of) per sample allocated an entry or
  // iterator each step. Settled timestamps are dropped once per variable at the end (`settledTo`), not by a
  // splice per sample.
  const variables = [...station.variables];
  const settledTo = variables.map(([, v]) => v.pendingStart);

  for (const sample of samples) {
    for (const name in sample.values) {
      if (sample.values[name] != null && !station.variables.has(name)) skipped.unknown++;
    }
    for (let k = 0; k < variables.length; k++) {
      const name = variables[k]![0];
      const v = variables[k]![1];
      const value = sample.values[name];
      // Not `== null`: a variable called e.g. `toString` would read the prototype's function.
      if (typeof value !== 'number') {
        v.missing++;
        skipped.missing++;
        continue;
      }
      if (v.lastTime !== null && sample.time <= v.lastTime) {
        v.stale++;
        skipped.stale++;
        continue;
      }
      v.lastTime = sample.time;
      v.lastTimestamp = sample.timestamp;
      v.pending.push(sample.timestamp);
      const scored = v.detector.push(value, sample.time);
      if (scored.length === 0) continue;
      for (let i = 0; i < scored.length; i++) {
        const s = scored[i]!;
        if (!s.outlier) continue;
        const date = v.pending[s.seq - v.pendingStart];
        if (date === undefined) throw new Error(`detector of ${name} scored unknown seq ${s.seq}`);
        v.outliers++;
        const detail = outlierDetail(s);
        let group = found.get(name);
        if (!group) {
          group = { variable: name, dates: [], points: [] };
          found.set(name, group);
        }
        group.dates.push(date);
        group.points.push({ date, ...detail });
        history.push({ n: station.historyNext + history.length, block, variable: name, date, ...detail });
      }
      // Samples are scored in seq order, so everything up to the last scored one is settled.
      settledTo[k] = scored[scored.length - 1]!.seq + 1;
    }
  }
  for (let k = 0; k < variables.length; k++) {
    const v = variables[k]![1];
    v.pending.splice(0, settledTo[k]! - v.pendingStart);
    v.pendingStart = settledTo[k]!;
  }

  station.blocks = block;
  station.unknown += skipped.unknown;
  station.historyNext += history.length;
  const outliers: VariableOutliers[] = [];
  for (const name of station.variables.keys()) {
    const group = found.get(name);
    if (group) outliers.push(group);
  }
  return { outliers, history, skipped };
}

/** What the reply and the history tell of one outlier (fields a detector does not give are left out). */
function outlierDetail(s: ScoredSample): OutlierDetail {
  const detail: OutlierDetail = { score: s.score };
  if (s.reason !== undefined) detail.reason = s.reason;
  if (s.expected !== undefined) detail.expected = s.expected;
  if (s.lower !== undefined && s.upper !== undefined) detail.band = [s.lower, s.upper];
  return detail;
}
