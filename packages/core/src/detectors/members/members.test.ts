import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../errors.js';
import { DailyProfileMember } from './daily-profile-member.js';
import { LevelMember } from './level-member.js';
import type { ScoreMember } from './score-member.js';
import { SequenceMember } from './sequence-member.js';

/**
 * Raw scores of each member on a 15-minute station series (daily cycle, wander, a spike, a level shift), from an
 * independent double-precision transcription of each definition (scripts/generate_detector_fixtures.py).
 */
const fixture = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/detector-members.json', import.meta.url), 'utf8'),
) as {
  values: number[];
  times: number[];
  level: number[];
  profile: Array<number | null>;
  profileFiveMinutes: Array<number | null>;
  sequence: number[];
};

function rawScores(member: ScoreMember<unknown>): number[] {
  return fixture.values.map((v, i) => member.update(v, fixture.times[i]!));
}

const members = [
  { name: 'level', make: () => new LevelMember(), restore: LevelMember.fromJSON, reference: fixture.level },
  // The profile is kept in single precision, so its scores agree to about 1e-6 of the spread.
  {
    name: 'profile',
    make: () => new DailyProfileMember(),
    restore: DailyProfileMember.fromJSON,
    reference: fixture.profile,
  },
  {
    name: 'sequence',
    make: () => new SequenceMember(),
    restore: SequenceMember.fromJSON,
    reference: fixture.sequence,
  },
];

describe.each(members)('$name member', ({ make, restore, reference }) => {
  it('scores like the reference transcription of its definition', () => {
    const scores = rawScores(make());
    expect(scores).toHaveLength(reference.length);
    scores.forEach((s, i) => {
      const r = reference[i];
      if (r === null) expect(s, `sample ${i}`).toBeNaN();
      else expect(s, `sample ${i}`).toBeCloseTo(r!, 5);
    });
  });

  it('scores in [0, 1] (or NaN for no opinion)', () => {
    for (const s of rawScores(make())) if (!Number.isNaN(s)) expect(s).toBeGreaterThanOrEqual(0);
    for (const s of rawScores(make())) if (!Number.isNaN(s)) expect(s).toBeLessThanOrEqual(1);
  });

  it('continues bit for bit after a JSON round trip at any point', () => {
    const expected = rawScores(make());
    for (const cut of [0, 1, 12, 149, 150, 290, 700, 1499]) {
      const original = make();
      for (let i = 0; i < cut; i++) original.update(fixture.values[i]!, fixture.times[i]!);
      const restored = restore(JSON.parse(JSON.stringify(original.toJSON())));
      for (let i = cut; i < fixture.values.length; i++) {
        expect(Object.is(restored.update(fixture.values[i]!, fixture.times[i]!), expected[i])).toBe(true);
      }
    }
  });

  it('refuses a state it did not write, naming state', () => {
    const attempt = () => restore({ count: 'three' });
    expect(attempt).toThrow(InvalidInputError);
    expect(attempt).toThrow(expect.objectContaining({ argument: 'state' }));
  });
});

describe('LevelMember', () => {
  it('scores the second sample of a step higher than the first: the fast mean needs two samples to move', () => {
    const member = new LevelMember();
    for (let i = 0; i < 400; i++) member.update(10 + (i % 2) * 0.2, i);
    const first = member.update(10.7, 400);
    const second = member.update(10.7, 401);
    expect(first).toBeGreaterThan(0.2);
    expect(second / first).toBeGreaterThan(1.15);
    expect(member.expected).toBeCloseTo(10.1, 1);
    expect(member.spread).toBeCloseTo(0.1, 1);
  });
});

describe('DailyProfileMember', () => {
  const hour = 3_600_000;
  it('shares 144 ten-minute slots among finer samples, like the reference transcription', () => {
    const member = new DailyProfileMember();
    const start = fixture.times[0]!;
    fixture.values.forEach((v, i) => {
      const r = fixture.profileFiveMinutes[i];
      const s = member.update(v, start + i * 300_000);
      if (r === null) expect(s, `sample ${i}`).toBeNaN();
      else expect(s, `sample ${i}`).toBeCloseTo(r!, 5);
    });
    expect((member.toJSON().profile ?? []).length).toBe(144);
  });

  it('has no opinion on data sampled less than hourly, nor before three days', () => {
    const sparse = new DailyProfileMember();
    for (let i = 0; i < 200; i++) expect(sparse.update(i % 7, i * 2 * hour)).toBeNaN();
    const hourly = new DailyProfileMember();
    const scores = Array.from({ length: 24 * 5 }, (_, i) =>
      hourly.update(Math.sin((2 * Math.PI * i) / 24), i * hour),
    );
    expect(scores.slice(0, 72).every(Number.isNaN)).toBe(true);
    expect(scores.slice(72).every((s) => s >= 0 && s <= 1)).toBe(true);
  });

  it('expects each hour what that hour usually brings, and scores a deviation from it', () => {
    const member = new DailyProfileMember();
    const day = (i: number) => 10 + 5 * Math.sin((2 * Math.PI * i) / 24);
    for (let i = 0; i < 24 * 6; i++) member.update(day(i) + (i % 3) * 0.01, i * hour);
    const ordinary = member.update(day(24 * 6), 24 * 6 * hour);
    expect(member.expected).toBeCloseTo(day(24 * 6), 1);
    let deviating = 0;
    for (let i = 24 * 6 + 1; i < 24 * 6 + 12; i++) deviating = member.update(day(i) + 3, i * hour);
    expect(deviating).toBeGreaterThan(10 * ordinary);
  });
});

describe('SequenceMember', () => {
  it('scores a transition never seen near 1 and the usual ones by how often they follow', () => {
    const member = new SequenceMember();
    // A two-level rhythm low, low, high: from low, low and high follow equally often; from high, always low.
    const rhythm = (i: number) => (i % 3 === 2 ? 10 : 0);
    const scores = Array.from({ length: 600 }, (_, i) => member.update(rhythm(i), i));
    expect(scores.slice(0, 150).every((s) => s === 0)).toBe(true);
    expect(Math.max(...scores.slice(450))).toBeLessThan(0.55);
    // Sample 599 was high: high after high was never seen.
    expect(member.update(10, 600)).toBeGreaterThan(0.99);
  });
});
