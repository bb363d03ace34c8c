import { isCount, isFiniteNumber, isNumberArray, isRecord, malformed } from '../state-checks.js';
import type { ScoreMember } from './score-member.js';

/** Value bins of the transition table. */
const BINS = 16;
/** Where the row sums start in the table. */
const TOTALS = BINS * BINS;
/** A row whose total reaches this is halved (counts fit 16 bits; old transitions weigh less, ratios stay). */
const ROW_LIMIT = 65_535;
/** Values whose range fixes the bins. */
const LEARNING = 150;

export interface SequenceMemberState {
  count: number;
  /** Range of the first LEARNING values (the bin edges once learned). */
  low: number | null;
  high: number | null;
  /** BINS x BINS transition counts, row = previous bin (null while learning the bins). */
  transitions: number[] | null;
  /** Bin of the previous value (-1 before the first binned value). */
  previous: number;
}

/**
 * Sequence member: is this move from the previous value's level to this one unusual for the series?
 *
 * Definition: the range [lo, hi] of the first 150 values is cut into 16 equal bins (later values are clipped into
 * the end bins). A 16 x 16 table N counts the transitions between the bins of consecutive values; with b the
 * previous value's bin and c this one's,
 *   raw_t = 1 - (N[b, c] + 1) / (N[b, *] + 16),
 * the probability under Laplace's rule of succession that the transition would not have been this one; then the
 * transition is counted. It scores 0 while the bins are learned.
 *
 * A cheap stand-in for what sequence learners such as HTM (Ahmad et al. 2017, Neurocomputing 262) and CAD OSE
 * measure: a change of rhythm with no change of level. A row that has counted 65,535 transitions is halved, so
 * counts stay 16-bit and the table slowly forgets. Reference: the sequence member of the study in
 * docs/background/detection-notes.md. Cost: O(1) time (O(16) when a row is halved); 256 + 16 counts of state.
 */
export class SequenceMember implements ScoreMember<SequenceMemberState> {
  private count = 0;
  private low = Number.POSITIVE_INFINITY;
  private high = Number.NEGATIVE_INFINITY;
  /**
   * BINS x BINS transition counts, then the BINS row sums (kept so a score costs no loop; a row is halved before its
   * sum reaches 65,535, so sums fit 16 bits too). One array: each typed array costs ~200 bytes besides its data.
   */
  private transitions: Uint16Array | null = null;
  private previous = -1;

  update(value: number, _time: number): number {
    this.count++;
    const table = this.transitions;
    if (table === null) {
      if (value < this.low) this.low = value;
      if (value > this.high) this.high = value;
      if (this.count >= LEARNING) this.transitions = new Uint16Array(BINS * BINS + BINS);
      return 0;
    }
    const width = this.high - this.low;
    const bin =
      width > 0 ? Math.max(0, Math.min(BINS - 1, Math.floor(((value - this.low) / width) * BINS))) : 0;
    let raw = 0;
    const from = this.previous;
    if (from >= 0) {
      raw = 1 - (table[from * BINS + bin]! + 1) / (table[TOTALS + from]! + BINS);
      table[from * BINS + bin]!++;
      if (++table[TOTALS + from]! >= ROW_LIMIT) this.halveRow(from);
    }
    this.previous = bin;
    return raw;
  }

  private halveRow(from: number): void {
    const table = this.transitions!;
    let total = 0;
    for (let to = 0; to < BINS; to++) {
      table[from * BINS + to] = table[from * BINS + to]! >>> 1;
      total += table[from * BINS + to]!;
    }
    table[TOTALS + from] = total;
  }

  toJSON(): SequenceMemberState {
    const seen = this.count > 0;
    return {
      count: this.count,
      low: seen ? this.low : null,
      high: seen ? this.high : null,
      transitions: this.transitions === null ? null : Array.from(this.transitions.subarray(0, TOTALS)),
      previous: this.previous,
    };
  }

  static fromJSON(state: unknown): SequenceMember {
    const s = state as SequenceMemberState;
    const seen = isRecord(s) && isCount(s.count) && s.count > 0;
    const range = seen
      ? isFiniteNumber(s.low) && isFiniteNumber(s.high)
      : s?.low === null && s?.high === null;
    const table =
      s?.transitions === null ||
      (isNumberArray(s?.transitions, BINS * BINS) && s.transitions.every((c) => isCount(c) && c < ROW_LIMIT));
    if (
      !isRecord(s) ||
      !isCount(s.count) ||
      !range ||
      !table ||
      !Number.isInteger(s.previous) ||
      s.previous < -1 ||
      s.previous >= BINS
    ) {
      malformed('sequence member');
    }
    const member = new SequenceMember();
    member.count = s.count;
    member.low = seen ? s.low! : Number.POSITIVE_INFINITY;
    member.high = seen ? s.high! : Number.NEGATIVE_INFINITY;
    if (s.transitions !== null) {
      const table = new Uint16Array(TOTALS + BINS);
      table.set(s.transitions);
      for (let from = 0; from < BINS; from++) {
        let total = 0;
        for (let to = 0; to < BINS; to++) total += s.transitions[from * BINS + to]!;
        if (total >= ROW_LIMIT) malformed('sequence member');
        table[TOTALS + from] = total;
      }
      member.transitions = table;
    }
    member.previous = s.previous;
    return member;
  }
}
