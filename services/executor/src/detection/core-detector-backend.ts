import { createStreamDetector, normalizeDetectorOptions, restoreStreamDetector } from '@outliers/core';
import type { DetectorBackend } from './initialize-station.js';

/** The station detectors of @outliers/core (registry: 'default', 'forest' and 'reference' kinds). */
export const coreDetectorBackend: DetectorBackend = {
  normalize: normalizeDetectorOptions,
  create: createStreamDetector,
  restore: restoreStreamDetector,
};
