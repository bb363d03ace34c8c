/** `trainer status`: per sensor, the active version, when it was trained, how long it took, its losses, versions. */
import type { ModelStore } from '@outliers/model-store';
import type { Queue } from 'bullmq';
import type { TrainerConfig } from '../config.js';
import type { TrainingOutcome } from '../jobs/train-sensor-model.js';

export interface SensorStatus {
  sensor: string;
  /** Active version, or null when the sensor has never been published. */
  active: string | null;
  /** When the active version was pinned (a rollback; training does not publish over it), or null. */
  pinnedAt: string | null;
  trainedAt: string | null;
  durationMs: number | null;
  validationLoss: number | null;
  trainingLoss: number | null;
  versions: string[];
  /** The sensor's latest finished job in the cluster queue (serve mode), when known. */
  lastRun?: LastRun;
}

/** How the latest training job of a sensor ended, as the queue remembers it (kept jobs only). */
export interface LastRun {
  finishedAt: string;
  node: string | null;
  /** 'published', 'kept aside' (clearly worse than the current model) or 'failed'. */
  outcome: 'published' | 'kept aside' | 'failed';
  failedReason?: string;
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
        pinnedAt: manifest?.pinned?.at ?? null,
        trainedAt: stringOrNull(meta.trainedAt) ?? manifest?.publishedAt ?? null,
        durationMs: numberOrNull(meta.durationMs),
        validationLoss: numberOrNull(meta.validationLoss),
        trainingLoss: numberOrNull(meta.trainingLoss),
        versions,
      };
    }),
  );
}

/**
 * The latest finished job per sensor among the completed and failed jobs the queue keeps (`worker.keepCompleted`,
 * `worker.keepFailed`); a sensor whose jobs were all evicted has none.
 */
export async function lastRuns(queue: Queue, scan = 5000): Promise<Map<string, LastRun>> {
  const [completed, failed] = await Promise.all([
    queue.getJobs(['completed'], 0, scan - 1),
    queue.getJobs(['failed'], 0, scan - 1),
  ]);
  const jobs = [
    ...completed.map((job) => ({ job, failed: false })),
    ...failed.map((job) => ({ job, failed: true })),
  ].sort((a, b) => (b.job.finishedOn ?? 0) - (a.job.finishedOn ?? 0));
  const runs = new Map<string, LastRun>();
  for (const { job, failed } of jobs) {
    const sensor = (job.data as { sensor?: { name?: unknown } } | undefined)?.sensor?.name;
    if (typeof sensor !== 'string' || runs.has(sensor) || !job.finishedOn) continue;
    const result = job.returnvalue as TrainingOutcome | null;
    runs.set(sensor, {
      finishedAt: new Date(job.finishedOn).toISOString(),
      node: job.processedBy ?? null,
      outcome: failed ? 'failed' : result?.published === false ? 'kept aside' : 'published',
      ...(failed ? { failedReason: job.failedReason } : {}),
    });
  }
  return runs;
}

/** A fixed-width table for people. */
export function formatStatus(rows: SensorStatus[]): string {
  const header = [
    'SENSOR',
    'ACTIVE VERSION',
    'TRAINED AT',
    'DURATION',
    'VAL LOSS',
    'TRAIN LOSS',
    'VERSIONS',
    'LAST RUN',
  ];
  const cells = rows.map((r) => [
    r.sensor,
    r.pinnedAt ? `${r.active} (pinned)` : (r.active ?? '-'),
    r.trainedAt ?? 'never',
    r.durationMs === null ? '-' : `${(r.durationMs / 1000).toFixed(1)}s`,
    r.validationLoss === null ? '-' : r.validationLoss.toPrecision(4),
    r.trainingLoss === null ? '-' : r.trainingLoss.toPrecision(4),
    String(r.versions.length),
    r.lastRun
      ? `${r.lastRun.finishedAt} ${r.lastRun.outcome}${r.lastRun.failedReason ? `: ${r.lastRun.failedReason}` : ''}`
      : '-',
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
