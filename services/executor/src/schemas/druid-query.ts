import { type Static, Type } from '@sinclair/typebox';

/**
 * Body of `POST /api/v1/outliers` and `/calculate`: every field optional. Form and multipart: base64 strings.
 * JSON: `query` / `data` may also be plain JSON values, `model` a plain name. Decoding and the messages naming the
 * field live in detection/decode-metric-request.ts (a string cannot say here whether it is base64); this schema
 * documents the body (OpenAPI) and the decoder validates it.
 */
export const OutliersBody = Type.Object(
  {
    query: Type.Optional(Type.Unknown({ description: 'base64 of a Druid native timeseries query' })),
    data: Type.Optional(
      Type.Unknown({ description: 'base64 of a Druid timeseries response (used instead of query)' }),
    ),
    model: Type.Optional(Type.Unknown({ description: 'base64 of a model name' })),
  },
  { additionalProperties: true },
);

/**
 * A number, or null where a model could not produce one (OpenAPI 3.0's `nullable`). The reply is written by
 * detection/reply-json.ts, whose tests compare it with this schema's fast-json-stringify serialiser.
 */
const Value = Type.Unsafe<number | null>({ type: 'number', nullable: true });

/**
 * Present on the entries of a bucket Druid left out (skipEmptyBuckets) and the executor filled with zeros: no data
 * was ingested then, which may be an outage (detection/missing-buckets.ts).
 */
const Missing = Type.Optional(
  Type.Literal(true, { description: 'no data in this bucket: its sums and counts were taken as 0' }),
);

export const OutliersReply = Type.Object({
  status: Type.Literal('success'),
  /** One entry per anomalous row (never repeated), in time order. */
  anomalies: Type.Array(
    Type.Object({
      timestamp: Type.String(),
      /** The model's value for the reported metric (the reference's key). */
      expected: Value,
      observed: Value,
      /** Metrics that left their band. */
      exceeded: Type.Array(Type.String()),
      /** >= 1 when anomalous: error over threshold. */
      score: Value,
      lower: Value,
      upper: Value,
      missing: Missing,
    }),
  ),
  /** One entry per row, none dropped (the reference's `predicted`), and one per missing bucket filled in. */
  predicted: Type.Array(
    Type.Object({
      timestamp: Type.String(),
      forecast: Value,
      observed: Value,
      lower: Value,
      upper: Value,
      missing: Missing,
    }),
  ),
  /** The metric `expected` / `forecast` / bounds refer to (METRIC when the model has it). */
  metric: Type.String(),
  model: Type.Object({
    name: Type.String(),
    kind: Type.String(),
    version: Type.Optional(Type.String()),
    /** How the model was chosen: model, sensor, default or fallback. */
    resolvedBy: Type.String(),
  }),
});
export type OutliersReply = Static<typeof OutliersReply>;

/** Errors keep the reference's shape; `code` is stable (EXECUTOR_...). */
export const OutliersError = Type.Object({
  status: Type.Literal('error'),
  msg: Type.String(),
  code: Type.String(),
});
export type OutliersError = Static<typeof OutliersError>;
