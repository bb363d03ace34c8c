/**
 * The contract of metric detection (Druid series), shared by the autoencoder (`@outliers/core/autoencoder`), the
 * shallow model (`@outliers/core`) and the executor's `api/v1/outliers` route.
 */

/** One row of a multivariate series, as a Druid timeseries row: time in epoch milliseconds, metrics by name. */
export interface MetricRow {
  time: number;
  values: Record<string, number>;
}

/** The verdict for one row. Expected values and bands are in each metric's own units. */
export interface MetricPoint {
  time: number;
  observed: Record<string, number>;
  expected: Record<string, number>;
  lower: Record<string, number>;
  upper: Record<string, number>;
  /** Anomaly score, >= 1 when the row is anomalous (error over threshold, for the autoencoder). */
  score: number;
  anomalous: boolean;
  /** Metrics whose value left its band (empty when not anomalous). */
  exceeded: string[];
}

export interface MetricDetection {
  /** 'autoencoder' or 'shallow'. */
  model: string;
  /** Metrics that were evaluated. */
  metrics: string[];
  /** One point per input row, in time order: no row is dropped. */
  points: MetricPoint[];
}
