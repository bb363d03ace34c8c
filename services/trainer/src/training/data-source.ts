/** Where a sensor's training data comes from: Druid (druid-source.ts) or a file (file-source.ts). */
import type { SensorConfig } from '../config.js';
import type { LabeledSeries } from './train-function.js';

export interface TrainingInterval {
  start: Date;
  end: Date;
  /**
   * Set when `start` is the sensor's look-back before `end` (no `--from`): a bucketed source then reads this span of
   * whole buckets ending where the bucket holding `end` starts, instead of losing the bucket that `start` cuts.
   */
  lookBackMs?: number;
}

export interface TrainingDataSource {
  /**
   * The sensor's training series: one per configured granularity (Druid, labelled by granularity) or the file's
   * single series (labelled by its sampling interval). Rows in time order; a granularity with no rows yields an empty series.
   */
  load(sensor: SensorConfig, interval: TrainingInterval): Promise<LabeledSeries[]>;
}
