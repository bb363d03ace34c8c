import {
  InvalidInputError,
  type ScoredSample,
  type StreamDetector,
  type StreamDetectorOptions,
  type StreamDetectorState,
} from '@outliers/core';
import type { DetectorBackend } from '../../src/detection/initialize-station.js';

/**
 * A transparent windowed detector for service tests: it scores nothing until a tumbling window of W values is
 * full, then scores the whole window at once (like the reference), flagging values >= `threshold` (default 100).
 * Its verdicts arrive up to W-1 samples late, so the tests exercise the service's seq → timestamp bookkeeping,
 * which real detectors' verdicts would make hard to predict.
 */
export class ThresholdDetector implements StreamDetector {
  readonly kind = 'threshold';
  private buffer: number[] = [];
  private count = 0;

  constructor(readonly options: StreamDetectorOptions) {}

  get seen(): number {
    return this.count;
  }

  get warmingUp(): boolean {
    return this.count < this.options.window;
  }

  push(value: number): ScoredSample[] {
    this.count++;
    this.buffer.push(value);
    if (this.buffer.length < this.options.window) return [];
    const first = this.count - this.buffer.length;
    const limit = this.options.threshold ?? 100;
    const scored = this.buffer.map((v, i) => ({
      seq: first + i,
      score: v >= limit ? 1 : 0,
      outlier: v >= limit,
    }));
    this.buffer = [];
    return scored;
  }

  toJSON(): StreamDetectorState {
    return {
      kind: this.kind,
      formatVersion: 1,
      options: this.options,
      buffer: [...this.buffer],
      count: this.count,
    };
  }

  static fromJSON(state: StreamDetectorState): ThresholdDetector {
    const d = new ThresholdDetector(state.options);
    d.buffer = [...(state.buffer as number[])];
    d.count = state.count as number;
    return d;
  }
}

export const detectorBackend: DetectorBackend = {
  normalize(input) {
    const options = (typeof input === 'number' ? { window: input } : input) as StreamDetectorOptions;
    if (options.mode !== undefined && options.mode !== 'tumbling') {
      throw new InvalidInputError('mode', `threshold detector supports tumbling, got ${options.mode}`);
    }
    return { detector: 'threshold', threshold: 100, mode: 'tumbling', ...options };
  },
  create: (options) => new ThresholdDetector(options),
  restore: (state) => ThresholdDetector.fromJSON(state),
};

/** This module, as buildApp's `detectors`: station threads load the threshold detector from it. */
export const thresholdDetectors = import.meta.url;
