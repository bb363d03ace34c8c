/** Picks each sensor's data source: its file when it names one, Druid otherwise. */
import { UnrecoverableError } from 'bullmq';
import type { SensorConfig } from '../config.js';
import type { TrainingDataSource, TrainingInterval } from './data-source.js';
import { FileTrainingSource } from './file-source.js';
import type { LabeledSeries } from './train-function.js';

export class SensorTrainingSource implements TrainingDataSource {
  constructor(
    private readonly druid: TrainingDataSource | undefined,
    private readonly file: TrainingDataSource = new FileTrainingSource(),
  ) {}

  load(sensor: SensorConfig, interval: TrainingInterval): Promise<LabeledSeries[]> {
    if (sensor.file) return this.file.load(sensor, interval);
    if (this.druid) return this.druid.load(sensor, interval);
    throw new UnrecoverableError(
      `sensor "${sensor.name}" reads Druid, but this node has no "druid" settings`,
    );
  }
}
