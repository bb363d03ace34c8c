import { describe, it } from 'vitest';
import { streamDetectorChecks } from '../../testing/conformance.js';
import type { ScoredSample, StreamDetector, StreamDetectorState } from '../stream-detector.js';
import { DailyProfileMember } from './daily-profile-member.js';
import { LevelMember } from './level-member.js';
import type { ScoreMember } from './score-member.js';
import { SequenceMember } from './sequence-member.js';

/**
 * One member on its own, as a stream detector: its raw score is the sample's score (0 while it has no opinion),
 * flagged above 0.5. The shared suite then checks each member alone: every sample scored once, input untouched,
 * reproducible, bit-exact after a JSON round trip, a planted outlier separated. (Calibration averages ten raw
 * scores, so a calibrated member would score the samples after a spike as high as the spike: the likelihood is
 * checked against its reference in windowed-likelihood.test.ts.)
 */
class MemberDetector implements StreamDetector {
  readonly kind: string;
  seen = 0;
  /** Samples without an opinion so far: the member warms up until its first raw score. */
  private silent = true;

  constructor(
    private readonly name: string,
    private readonly member: ScoreMember<unknown>,
  ) {
    this.kind = `member:${name}`;
  }

  get warmingUp(): boolean {
    return this.silent;
  }

  push(value: number, time: number): ScoredSample[] {
    const raw = this.member.update(value, time);
    if (raw > 0) this.silent = false;
    const score = Number.isNaN(raw) ? 0 : raw;
    return [{ seq: this.seen++, score, outlier: score > 0.5 }];
  }

  toJSON(): StreamDetectorState {
    return {
      kind: this.kind,
      formatVersion: 1,
      options: { window: 8 },
      name: this.name,
      seen: this.seen,
      silent: this.silent,
      member: this.member.toJSON(),
    };
  }
}

const kinds: Record<
  string,
  { make: () => ScoreMember<unknown>; restore: (s: unknown) => ScoreMember<unknown> }
> = {
  level: { make: () => new LevelMember(), restore: LevelMember.fromJSON },
  profile: { make: () => new DailyProfileMember(), restore: DailyProfileMember.fromJSON },
  sequence: { make: () => new SequenceMember(), restore: SequenceMember.fromJSON },
};

function restore(state: StreamDetectorState): StreamDetector {
  const name = state.name as string;
  const detector = new MemberDetector(name, kinds[name]!.restore(state.member));
  detector.seen = state.seen as number;
  Object.assign(detector, { silent: state.silent });
  return detector;
}

/**
 * The sequence member scores transitions between value bins, not levels: a spike lands in the top bin, where the
 * series' own peaks go too, so it is not meant to separate one (members.test.ts checks it scores a transition never
 * seen near 1). Every other check applies to it.
 */
const notItsJob = { sequence: 'separates a planted outlier from ordinary samples' } as Record<string, string>;

for (const [name, { make }] of Object.entries(kinds)) {
  describe(`conformance: the ${name} member on its own`, () => {
    // Members draw no random numbers: the seed is accepted and changes nothing.
    const factory = (_seed: number) => new MemberDetector(name, make());
    for (const check of streamDetectorChecks) {
      if (check.name !== notItsJob[name]) it(check.name, () => check.run(factory, { restore }));
    }
  });
}
