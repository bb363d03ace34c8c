/**
 * Turns stored model files into a usable autoencoder. TF.js is imported here on first use only, so an executor
 * that never serves a trained model (and the station API's tests) never loads it.
 *
 * A trainer version holds one network per granularity (`<granularity>.model.json`, ... listed in
 * `granularities.json`) besides the primary one at its root: a network trained on 1-minute buckets misreads hourly
 * ones (its scaling and gap feature are fitted to its own sampling). Detection therefore picks the network whose
 * granularity is nearest the series' own sampling interval (the median gap between rows), which works the same
 * whether the rows came from a query or from `data`.
 */
import type { MetricDetection, MetricRow } from '@outliers/core';
import { granularitySeconds, parseGranularity } from '@outliers/druid';

export interface LoadedAutoencoder {
  detect(rows: readonly MetricRow[]): MetricDetection;
  dispose(): void;
}

const GRANULARITY_INDEX = 'granularities.json';

/**
 * @param k optional k-sigma override (K): thresholds become mean + k * std of each metric's training error, from the
 *   statistics stored with the model; without it the model's own thresholds apply.
 */
export async function loadAutoencoder(
  files: Record<string, Uint8Array>,
  k?: number,
): Promise<LoadedAutoencoder> {
  const { AutoencoderModel, MIN_THRESHOLD } = await import('@outliers/core/autoencoder');
  const load = async (prefix: string): Promise<LoadedAutoencoder> => {
    const model = await AutoencoderModel.fromFiles(withoutPrefix(files, prefix));
    if (k === undefined || k === model.metadata.k) return model;
    const thresholds = Object.fromEntries(
      Object.entries(model.metadata.thresholds).map(([metric, t]) => [
        metric,
        { ...t, threshold: Math.max(MIN_THRESHOLD, t.mean + k * t.std) },
      ]),
    );
    return new AutoencoderModel(model.network, { ...model.metadata, k, thresholds });
  };

  const index = files[GRANULARITY_INDEX];
  if (!index) return load('');
  const { models } = JSON.parse(new TextDecoder().decode(index)) as { models: Record<string, unknown> };
  const byGranularity = await Promise.all(
    Object.keys(models).map(async (label) => ({
      seconds: granularitySeconds(parseGranularity(label, GRANULARITY_INDEX)),
      model: await load(`${label}.`),
    })),
  );
  return new GranularityFamily(byGranularity);
}

/** One network per granularity; each series goes to the network trained nearest its sampling interval. */
class GranularityFamily implements LoadedAutoencoder {
  constructor(private readonly members: { seconds: number; model: LoadedAutoencoder }[]) {}

  detect(rows: readonly MetricRow[]): MetricDetection {
    const gap = medianGapSeconds(rows);
    // Nearest on a log scale: 2 min is as far from 1 min as 30 s is.
    const distance = (seconds: number) => (gap === undefined ? 0 : Math.abs(Math.log(seconds / gap)));
    let best = this.members[0]!;
    for (const member of this.members) {
      if (distance(member.seconds) < distance(best.seconds)) best = member;
    }
    return best.model.detect(rows);
  }

  dispose(): void {
    for (const member of this.members) member.model.dispose();
  }
}

function medianGapSeconds(rows: readonly MetricRow[]): number | undefined {
  if (rows.length < 2) return undefined;
  const gaps = new Float64Array(rows.length - 1);
  for (let i = 1; i < rows.length; i++) gaps[i - 1] = (rows[i]!.time - rows[i - 1]!.time) / 1000;
  gaps.sort();
  const median = gaps[gaps.length >> 1]!;
  return median > 0 ? median : undefined;
}

function withoutPrefix(files: Record<string, Uint8Array>, prefix: string): Record<string, Uint8Array> {
  if (!prefix) return files;
  const picked: Record<string, Uint8Array> = {};
  for (const [name, bytes] of Object.entries(files)) {
    if (name.startsWith(prefix)) picked[name.slice(prefix.length)] = bytes;
  }
  return picked;
}
