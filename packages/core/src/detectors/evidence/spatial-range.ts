import { isFiniteNumber, isRecord } from '../state-checks.js';

/**
 * Spatial check (Numenta's NAB detector, "spatial anomaly"): a value beyond the range seen so far, widened by a
 * margin of `margin` times that range, is anomalous whatever a model fitted on the past says, because a model
 * fitted on past values cannot rank a new extreme above its training maximum.
 */
export interface SpatialRangeState {
  min: number;
  max: number;
}

/** Whether a state read back from storage is one `toJSON` wrote (a range, or null before any value). */
export function isSpatialRangeState(x: unknown): x is SpatialRangeState | null {
  return x === null || (isRecord(x) && isFiniteNumber(x.min) && isFiniteNumber(x.max));
}

export class SpatialRange {
  constructor(
    private readonly margin: number,
    private state: SpatialRangeState = { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY },
  ) {}

  /**
   * How far `x` lies beyond the widened range, in units of the range (0 inside it). `offset` shifts the range,
   * e.g. by the drift of a significant trend since the range was learned.
   */
  excess(x: number, offset = 0): number {
    const { min, max } = this.state;
    const range = max - min;
    if (!(range > 0)) return 0;
    const over = Math.max(x - offset - max, min - (x - offset)) - this.margin * range;
    return over > 0 ? over / range : 0;
  }

  /** The low end of the widened range a value may take without leaving it (-Infinity while it is empty or a point). */
  lowest(): number {
    const { min, max } = this.state;
    return max > min ? min - this.margin * (max - min) : Number.NEGATIVE_INFINITY;
  }

  /** The high end of the widened range (Infinity while it is empty or a point). */
  highest(): number {
    const { min, max } = this.state;
    return max > min ? max + this.margin * (max - min) : Number.POSITIVE_INFINITY;
  }

  observe(x: number): void {
    if (x < this.state.min) this.state.min = x;
    if (x > this.state.max) this.state.max = x;
  }

  /** The range, or null before any value (JSON has no infinities). */
  toJSON(): SpatialRangeState | null {
    return this.state.min <= this.state.max ? { ...this.state } : null;
  }

  static fromJSON(margin: number, state: SpatialRangeState | null): SpatialRange {
    return state === null
      ? new SpatialRange(margin)
      : new SpatialRange(margin, { min: state.min, max: state.max });
  }
}
