export * from './detectors/stream-detector.js';
export * from './errors.js';
