import type { StreamEvent } from './station-streams.js';

/** Default extra rows after a level shift's start that still count as detecting it (harness.py --shift-tol). */
export const DEFAULT_SHIFT_TOL = 2;

/** Event and flag counts of one group (a kind, a variable or a spike size). */
export interface GroupScore {
  events: number;
  detected: number;
  /** detected / events, null without events. */
  recall: number | null;
  flagsInSpan: number;
  labelledPoints: number;
}

export interface VariableScore extends GroupScore {
  flags: number;
  /** flagsInSpan / flags, null without flags. */
  precision: number | null;
}

export interface StreamScore {
  overall: {
    events: number;
    detected: number;
    recall: number;
    flags: number;
    flagsInSpan: number;
    precision: number;
    f1: number;
    flagsDuplicate: number;
  };
  /** Sorted by kind name. */
  perKind: Map<string, GroupScore>;
  /** Sorted by variable name. */
  perVariable: Map<string, VariableScore>;
  /** Spike events (spike_pos and spike_neg) by size, e.g. '4sigma', in increasing size. */
  spikesBySize: Map<string, { events: number; detected: number; recall: number | null }>;
}

/** Key of one (station, variable) stream in a flag map. */
export function streamKey(station: string, variable: string): string {
  return `${station}\u0000${variable}`;
}

/**
 * Scores flagged rows against the generator's labelled events exactly like harness.py's score():
 * - event recall: an event is detected if any flagged row of its (station, variable) lies in its labelled span
 *   [start, end], or for a level_shift in [start, max(end, start + shiftTol)];
 * - point precision: unique flagged rows inside some labelled span / all unique flagged rows
 *   (a row flagged twice counts once and is reported in flagsDuplicate);
 * - F1 = 2PR / (P + R).
 * @param flags row indices flagged per streamKey(station, variable), any order.
 */
export function scoreStreams(
  events: readonly StreamEvent[],
  flags: ReadonlyMap<string, readonly number[]>,
  shiftTol = DEFAULT_SHIFT_TOL,
): StreamScore {
  const sorted = new Map<string, number[]>();
  let duplicates = 0;
  for (const [key, rows] of flags) {
    const unique = [...new Set(rows)].sort((a, b) => a - b);
    duplicates += rows.length - unique.length;
    sorted.set(key, unique);
  }
  const countIn = (key: string, lo: number, hi: number) => {
    const rows = sorted.get(key) ?? [];
    return upperBound(rows, hi) - lowerBound(rows, lo);
  };

  const kinds = new Map<string, GroupScore>();
  const variables = new Map<string, VariableScore>();
  const spikes = new Map<string, { events: number; detected: number; recall: number | null; size: number }>();
  for (const e of events) {
    const key = streamKey(e.station, e.variable);
    const hi = e.kind === 'level_shift' ? Math.max(e.end, e.start + shiftTol) : e.end;
    const hit = countIn(key, e.start, hi) > 0 ? 1 : 0;
    const inside = countIn(key, e.start, e.end);
    const kind = getOr(kinds, e.kind, emptyGroup);
    const variable = getOr(variables, e.variable, () => ({ ...emptyGroup(), flags: 0, precision: null }));
    for (const g of [kind, variable]) {
      g.events += 1;
      g.detected += hit;
      g.flagsInSpan += inside;
      g.labelledPoints += e.end - e.start + 1;
    }
    if (e.kind.startsWith('spike')) {
      const size = e.magnitude_sigma ?? Number.NaN;
      const s = getOr(spikes, `${formatG(size)}sigma`, () => ({
        events: 0,
        detected: 0,
        recall: null,
        size,
      }));
      s.events += 1;
      s.detected += hit;
    }
  }
  for (const [key, rows] of sorted) {
    const variable = key.slice(key.indexOf('\u0000') + 1);
    getOr(variables, variable, () => ({ ...emptyGroup(), flags: 0, precision: null })).flags += rows.length;
  }
  for (const g of [...kinds.values(), ...variables.values(), ...spikes.values()]) {
    g.recall = g.events ? g.detected / g.events : null;
  }
  for (const v of variables.values()) v.precision = v.flags ? v.flagsInSpan / v.flags : null;

  let nFlags = 0;
  for (const rows of sorted.values()) nFlags += rows.length;
  let inSpan = 0;
  let detected = 0;
  for (const k of kinds.values()) {
    inSpan += k.flagsInSpan;
    detected += k.detected;
  }
  const recall = events.length ? detected / events.length : 0;
  const precision = nFlags ? inSpan / nFlags : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return {
    overall: {
      events: events.length,
      detected,
      recall,
      flags: nFlags,
      flagsInSpan: inSpan,
      precision,
      f1,
      flagsDuplicate: duplicates,
    },
    perKind: sortedByKey(kinds),
    perVariable: sortedByKey(variables),
    spikesBySize: new Map(
      [...spikes]
        .sort((a, b) => a[1].size - b[1].size)
        .map(([k, { events: n, detected: d, recall: r }]) => [k, { events: n, detected: d, recall: r }]),
    ),
  };
}

function emptyGroup(): GroupScore {
  return { events: 0, detected: 0, recall: null, flagsInSpan: 0, labelledPoints: 0 };
}

function getOr<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** The map with its entries in code-point order of the keys (Python's sorted() of ASCII names). */
function sortedByKey<V>(map: Map<string, V>): Map<string, V> {
  return new Map([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Python's `f'{x:g}'` for the generator's spike sizes (4.0 -> '4', 12.5 -> '12.5'). */
function formatG(x: number): string {
  return String(Number(x.toPrecision(6)));
}

/** First index with rows[i] >= x (bisect_left). */
function lowerBound(rows: readonly number[], x: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with rows[i] > x (bisect_right). */
function upperBound(rows: readonly number[], x: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The figures the default detector's acceptance names, per set: recall per kind, spikes of 6 sigma or more. */
export interface StreamFigures {
  f1: number;
  precision: number;
  recall: number;
  levelShift: number;
  spikesFrom6Sigma: number;
  stuck: number;
  dropout: number;
  burst: number;
  drift: number;
}

export function streamFigures(score: StreamScore): StreamFigures {
  const recall = (kind: string) => score.perKind.get(kind)?.recall ?? 0;
  let spikes = 0;
  let detected = 0;
  for (const [size, s] of score.spikesBySize) {
    if (Number.parseFloat(size) >= 6) {
      spikes += s.events;
      detected += s.detected;
    }
  }
  return {
    f1: score.overall.f1,
    precision: score.overall.precision,
    recall: score.overall.recall,
    levelShift: recall('level_shift'),
    spikesFrom6Sigma: spikes ? detected / spikes : 0,
    stuck: recall('stuck'),
    dropout: recall('dropout'),
    burst: recall('burst'),
    drift: recall('drift'),
  };
}
