import { InvalidInputError } from '@outliers/core';
import type { DetectorBackend } from '../../src/detection/initialize-station.js';
import { detectorBackend as thresholdBackend } from './threshold-detector.js';

/** A release whose detectors cannot read the states saved by the previous one (as core rejects old formats). */
export const detectorBackend: DetectorBackend = {
  ...thresholdBackend,
  restore: () => {
    throw new InvalidInputError('state', 'unsupported default detector format version 3');
  },
};
