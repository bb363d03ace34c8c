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
    /** The queue job that trained it (cluster mode): a retry of the job finds its version by it. */
    job?: string;
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
