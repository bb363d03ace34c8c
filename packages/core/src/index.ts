export * from './detectors/registry.js';
export * from './detectors/stream-detector.js';
export * from './errors.js';
export type * from './metric-detection.js';
export * from './detectors/shallow-model.js';
