import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadStationStreams } from './station-streams.js';
import { type GroupScore, scoreStreams, streamFigures, streamKey } from './stream-score.js';

/** harness.py's score() of the fixture flags (scripts/generate_stream_score_fixture.py). */
interface HarnessGroup {
  events: number;
  detected: number;
  recall: number | null;
  flags_in_span: number;
  labelled_points: number;
}
interface HarnessScore {
  overall: Record<string, number>;
  per_kind: Record<string, HarnessGroup>;
  per_variable: Record<string, HarnessGroup & { flags: number; precision: number | null }>;
  spikes_by_size: Record<string, { events: number; detected: number; recall: number | null }>;
}
const fixtures = fileURLToPath(new URL('../test/fixtures/', import.meta.url));
const expected = JSON.parse(readFileSync(`${fixtures}tiny-streams-score.json`, 'utf8')) as {
  limit: number;
  flags: Array<{ station: string; variable: string; rows: number[] }>;
  score: Record<string, HarnessScore>;
};

function group(g: GroupScore) {
  return {
    events: g.events,
    detected: g.detected,
    recall: roundOrNull(g.recall),
    flags_in_span: g.flagsInSpan,
    labelled_points: g.labelledPoints,
  };
}

describe('scoreStreams against harness.py score()', () => {
  const dataset = loadStationStreams(`${fixtures}tiny-streams`, { limit: expected.limit });
  const flags = new Map(expected.flags.map((f) => [streamKey(f.station, f.variable), f.rows]));

  it('loads like load_dataset: rows cut at the limit, events clipped or dropped', () => {
    expect(dataset.stations.map((s) => s.timestamps.length)).toEqual([50, 50]);
    expect(dataset.events).toHaveLength(8);
    expect(dataset.events.find((e) => e.kind === 'burst')).toMatchObject({ start: 45, end: 49 });
    expect(dataset.stations[0]!.values.get('a')!.slice(0, 3)).toEqual([0, 0.5, 1]);
  });

  for (const tol of ['2', '0']) {
    it(`matches per kind, per variable, spikes by size and overall (shift tolerance ${tol})`, () => {
      const py = expected.score[tol]!;
      const ts = scoreStreams(dataset.events, flags, Number(tol));
      expect(Object.fromEntries([...ts.perKind].map(([k, g]) => [k, group(g)]))).toEqual(py.per_kind);
      expect(
        Object.fromEntries(
          [...ts.perVariable].map(([k, g]) => [
            k,
            { ...group(g), flags: g.flags, precision: roundOrNull(g.precision) },
          ]),
        ),
      ).toEqual(py.per_variable);
      expect([...ts.spikesBySize.keys()]).toEqual(Object.keys(py.spikes_by_size));
      expect(
        Object.fromEntries(
          [...ts.spikesBySize].map(([k, s]) => [k, { ...s, recall: roundOrNull(s.recall) }]),
        ),
      ).toEqual(py.spikes_by_size);
      const o = ts.overall;
      expect({
        events: o.events,
        detected: o.detected,
        flags: o.flags,
        flags_in_span: o.flagsInSpan,
        flags_duplicate: o.flagsDuplicate,
      }).toEqual({
        events: py.overall.events,
        detected: py.overall.detected,
        flags: py.overall.flags,
        flags_in_span: py.overall.flags_in_span,
        flags_duplicate: py.overall.flags_duplicate,
      });
      expect(o.recall).toBeCloseTo(py.overall.recall!, 4);
      expect(o.precision).toBeCloseTo(py.overall.precision!, 4);
      expect(o.f1).toBeCloseTo(py.overall.f1!, 4);
    });
  }

  it('counts a level shift flagged just after its labelled span only within the tolerance', () => {
    expect(scoreStreams(dataset.events, flags, 2).perKind.get('level_shift')!.detected).toBe(2);
    expect(scoreStreams(dataset.events, flags, 1).perKind.get('level_shift')!.detected).toBe(1);
  });

  it('scores no flags as zero precision and F1, not NaN', () => {
    expect(scoreStreams(dataset.events, new Map()).overall).toMatchObject({ recall: 0, precision: 0, f1: 0 });
  });
});

/** Python's round(x, 4) as harness.py reports rates (no ties occur in the fixture). */
function roundOrNull(x: number | null): number | null {
  return x === null ? null : Math.round(x * 10_000) / 10_000;
}

describe('streamFigures', () => {
  it('pools spikes of 6 sigma and more, and reads recall per kind', () => {
    const event = (kind: string, start: number, magnitude: number | null) => ({
      station: 's',
      variable: 'v',
      kind,
      start,
      end: start,
      magnitude_sigma: magnitude,
    });
    const events = [
      event('spike_pos', 10, 4),
      event('spike_pos', 20, 6),
      event('spike_neg', 30, 12),
      event('level_shift', 40, 5),
      event('stuck', 50, null),
    ];
    const figures = streamFigures(scoreStreams(events, new Map([[streamKey('s', 'v'), [10, 20, 42, 99]]])));
    expect(figures).toMatchObject({ spikesFrom6Sigma: 0.5, levelShift: 1, stuck: 0, dropout: 0 });
    // Row 42 finds the shift (within the tolerance) but lies outside its labelled span: 2 of 4 flags in spans.
    expect(figures.precision).toBeCloseTo(2 / 4, 10);
  });
});
