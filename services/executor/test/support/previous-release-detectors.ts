import {
  createStreamDetector,
  normalizeDetectorOptions,
  restoreStreamDetector,
  type StreamDetector,
} from '@outliers/core';
import type { DetectorBackend } from '../../src/detection/initialize-station.js';

/**
 * The previous release: its default kind was what is now the forest detector, and it saved that state under the
 * kind 'default' (format 6).
 */
export const detectorBackend: DetectorBackend = {
  normalize: normalizeDetectorOptions,
  create: (options) => asPreviousDefault(createStreamDetector({ ...options, detector: 'forest' })),
  restore: (state) =>
    asPreviousDefault(
      restoreStreamDetector({ ...state, kind: 'forest', options: { ...state.options, detector: 'forest' } }),
    ),
};

function asPreviousDefault(forest: StreamDetector): StreamDetector {
  return {
    kind: 'default',
    get seen() {
      return forest.seen;
    },
    get warmingUp() {
      return forest.warmingUp;
    },
    push: (value, time) => forest.push(value, time),
    flush: () => forest.flush?.() ?? [],
    toJSON: () => {
      const state = forest.toJSON();
      return { ...state, kind: 'default', options: { ...state.options, detector: 'default' } };
    },
  };
}
