/**
 * Turns stored model files into a usable autoencoder. TF.js is imported here on first use only, so an executor
 * that never serves a trained model (and the station API's tests) never loads it.
 */
import type { MetricDetection, MetricRow } from '@outliers/core';

export interface LoadedAutoencoder {
  detect(rows: readonly MetricRow[]): MetricDetection;
  dispose(): void;
}

/**
 * @param k optional k-sigma override (K): thresholds become mean + k * std of each metric's training error, from the
 *   statistics stored with the model; without it the model's own thresholds apply.
 */
export async function loadAutoencoder(
  files: Record<string, Uint8Array>,
  k?: number,
): Promise<LoadedAutoencoder> {
  const { AutoencoderModel, MIN_THRESHOLD } = await import('@outliers/core/autoencoder');
  const model = await AutoencoderModel.fromFiles(files);
  if (k === undefined || k === model.metadata.k) return model;
  const thresholds = Object.fromEntries(
    Object.entries(model.metadata.thresholds).map(([metric, t]) => [
      metric,
      { ...t, threshold: Math.max(MIN_THRESHOLD, t.mean + k * t.std) },
    ]),
  );
  return new AutoencoderModel(model.network, { ...model.metadata, k, thresholds });
}
