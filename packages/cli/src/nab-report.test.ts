import { describe, expect, it } from 'vitest';
import { NAB_HALVES } from './nab-halves.js';
import { formatNabReport, nabReport } from './nab-report.js';
import type { ScoredFile } from './nab-score.js';

/** 100 rows (probation 15), one window over rows 40..59; detections at the given rows. */
function file(name: string, detections: number[]): ScoredFile {
  const scores = new Float64Array(100);
  for (const row of detections) scores[row] = 1;
  return { name, scores, windows: [[40, 59]] };
}

describe('the NAB report', () => {
  const scored = [file('a/early.csv', [41]), file('a/late.csv', [55, 80]), file('b/missed.csv', [20])];

  it('tells per file and category what was won and lost at the corpus threshold', () => {
    const report = nabReport(scored);
    const byName = new Map(report.results[0]!.files.map((f) => [f.name, f]));
    expect(byName.get('a/early.csv')).toMatchObject({
      detectedWindows: 1,
      lateWindows: 0,
      falsePositives: 0,
    });
    expect(byName.get('a/late.csv')).toMatchObject({ detectedWindows: 1, lateWindows: 1, falsePositives: 1 });
    expect(byName.get('b/missed.csv')).toMatchObject({ missedWindows: 1, falsePositives: 1 });
    expect(report.categories.map((c) => [c.name, c.files.length])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    // Other data than the 35 local files has no halves.
    expect(report.halves).toEqual([]);
    const lines = formatNabReport(report);
    expect(lines.find((l) => l.startsWith('a (2)'))).toMatch(/^a \(2\)\s+2\s+2\s+1\s+0\s+1\s/);
    expect(lines.at(-1)).toMatch(/^standard=-?\d+\.\d\d$/);
  });

  it("shows each file's change against a saved run", () => {
    const report = nabReport(scored);
    const saved = {
      detector: 'before',
      standard: 0,
      files: report.results[0]!.files.map((f) => ({ ...f, score: 0 })),
    };
    const lines = formatNabReport(report, saved);
    const early = report.results[0]!.files.find((f) => f.name === 'a/early.csv')!;
    expect(lines.find((l) => l.startsWith('a/early.csv'))).toContain(`+${early.score.toFixed(3)}`);
    expect(lines).toContain('baseline before: standard=0.00');
  });

  it('scores each fixed half as a corpus of its own when the data holds all of its files', () => {
    const all = [...NAB_HALVES.choose, ...NAB_HALVES.confirm].map((name, i) =>
      file(name, i % 3 ? [45] : [20]),
    );
    const halves = nabReport(all).halves;
    expect(halves.map((h) => [h.name, h.files])).toEqual([
      ['choose', 18],
      ['confirm', 17],
    ]);
  });
});

describe('the fixed NAB halves', () => {
  it('alternate over the 35 local files in corpus order', () => {
    const names = [...NAB_HALVES.choose, ...NAB_HALVES.confirm].sort();
    expect(new Set(names).size).toBe(35);
    names.forEach((name, i) => {
      expect((i % 2 === 0 ? NAB_HALVES.choose : NAB_HALVES.confirm) as readonly string[]).toContain(name);
    });
  });
});
