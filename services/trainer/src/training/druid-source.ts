/**
 * Training data from Druid: for each configured granularity, the training query of @outliers/druid (the reference's
 * template with the traffic aggregations and the post-aggregations of THAT granularity), with the sensor's own filter.
 */
import { buildTrainingQuery, type DruidClient, parseTimeseriesResponse } from '@outliers/druid';
import type { DruidSettings, SensorConfig } from '../config.js';
import type { TrainingDataSource, TrainingInterval } from './data-source.js';
import type { LabeledSeries } from './train-function.js';

export class DruidTrainingSource implements TrainingDataSource {
  constructor(
    private readonly client: DruidClient,
    private readonly settings: Pick<DruidSettings, 'dataSource' | 'timeoutMs'>,
  ) {}

  async load(sensor: SensorConfig, interval: TrainingInterval): Promise<LabeledSeries[]> {
    const series: LabeledSeries[] = [];
    for (const granularity of sensor.granularities ?? []) {
      const query = this.query(sensor, granularity, interval);
      const { rows } = parseTimeseriesResponse(await this.client.query(query), `druid[${granularity}]`);
      series.push({ label: granularity, rows });
    }
    return series;
  }

  /** The query for one granularity (exposed for tests and `trainer status --explain`-like tooling). */
  query(sensor: SensorConfig, granularity: string, interval: TrainingInterval): Record<string, unknown> {
    const query = buildTrainingQuery({
      sensor: sensor.name,
      granularity,
      endMs: interval.end.getTime(),
      ...(interval.lookBackMs === undefined
        ? { startMs: interval.start.getTime() }
        : { lookBackMs: interval.lookBackMs }),
      dataSource: this.settings.dataSource,
      timeoutMs: this.settings.timeoutMs,
    });
    return sensor.filter ? { ...query, filter: sensor.filter } : query;
  }
}
