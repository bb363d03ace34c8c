export * from './detectors/registry.js';
export * from './detectors/stream-detector.js';
export * from './errors.js';
export type * from './metric-detection.js';
export * from './detectors/shallow-model.js';
export * from './random.js';
export * from './forest/isolation-forest.js';
export { anomalyScore, anomalyScorer, averagePathLength } from './forest/average-path-length.js';
export type { ForestInput, MultivariateInput, UnivariateInput } from './forest/rows.js';
