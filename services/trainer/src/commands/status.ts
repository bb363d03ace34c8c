/** `trainer status`: per sensor, the active version, when it was trained, how long it took, its losses, versions. */
import type { ModelStore } from '@outliers/model-store';
import type { TrainerConfig } from '../config.js';

export interface SensorStatus {
  sensor: string;
  /** Active version, or null when the sensor has never been published. */
  active: string | null;
  trainedAt: string | null;
  durationMs: number | null;
  validationLoss: number | null;
  trainingLoss: number | null;
  versions: string[];
}

/** Status of the configured sensors plus any other model found in the store. */
export async function sensorStatus(
  config: Pick<TrainerConfig, 'sensors'>,
  store: ModelStore,
): Promise<SensorStatus[]> {
  const names = [...new Set([...config.sensors.map((s) => s.name), ...(await store.list())])];
  return Promise.all(
    names.map(async (sensor) => {
      const [manifest, versions] = await Promise.all([store.manifest(sensor), store.versions(sensor)]);
      const meta = manifest?.metadata ?? {};
      return {
        sensor,
        active: manifest?.version ?? null,
        trainedAt: stringOrNull(meta.trainedAt) ?? manifest?.publishedAt ?? null,
        durationMs: numberOrNull(meta.durationMs),
        validationLoss: numberOrNull(meta.validationLoss),
        trainingLoss: numberOrNull(meta.trainingLoss),
        versions,
      };
    }),
  );
}

/** A fixed-width table for people. */
export function formatStatus(rows: SensorStatus[]): string {
  const header = ['SENSOR', 'ACTIVE VERSION', 'TRAINED AT', 'DURATION', 'VAL LOSS', 'TRAIN LOSS', 'VERSIONS'];
  const cells = rows.map((r) => [
    r.sensor,
    r.active ?? '-',
    r.trainedAt ?? 'never',
    r.durationMs === null ? '-' : `${(r.durationMs / 1000).toFixed(1)}s`,
    r.validationLoss === null ? '-' : r.validationLoss.toPrecision(4),
    r.trainingLoss === null ? '-' : r.trainingLoss.toPrecision(4),
    String(r.versions.length),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  return [header, ...cells]
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const numberOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const stringOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);
