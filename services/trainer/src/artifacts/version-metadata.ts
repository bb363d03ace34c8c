import type { TrainedModel } from '../training/train-function.js';

/**
 * The manifest metadata of a trained version: the training's own facts plus the losses publishing compares, so a
 * version published by anyone (the CLI's `train --publish` too) is judged alike by the next scheduled training.
 */
export function versionMetadata(
  model: TrainedModel,
  facts: {
    trainedAt: number;
    durationMs: number;
    rows: number;
    granularities: string[];
    metrics: string[] | undefined;
    node: string;
  },
): Record<string, unknown> {
  return {
    ...model.metadata,
    validationLoss: model.validationLoss,
    trainingLoss: model.trainingLoss,
    ...facts,
    trainedAt: new Date(facts.trainedAt).toISOString(),
  };
}
