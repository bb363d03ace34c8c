import { type Static, Type } from '@sinclair/typebox';
import { TIMESTAMP_PATTERN } from '../detection/timestamps.js';
import { ErrorReply, OutlierDetailFields, StationId, VariableName } from './common.js';

export const MIN_WINDOW = 8;
export const MAX_WINDOW = 100_000;

const Window = Type.Integer({ minimum: MIN_WINDOW, maximum: MAX_WINDOW, description: 'Window length W' });

const VariableOptions = Type.Object(
  {
    window: Window,
    detector: Type.Optional(Type.String({ minLength: 1, description: "Detector kind, default 'default'" })),
    threshold: Type.Optional(
      Type.Number({
        description:
          'Score above which a sample is an outlier (the default detector also flags hard evidence)',
      }),
    ),
    sensitivity: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
    mode: Type.Optional(Type.String({ minLength: 1, description: 'Kind-specific variant' })),
  },
  { additionalProperties: false },
);

export const InitializeBody = Type.Object({
  id_estacio: StationId,
  variables: Type.Record(VariableName, Type.Union([Window, VariableOptions]), {
    minProperties: 1,
    description: 'Per variable: the window length W, or an options object',
  }),
});
export type InitializeBody = Static<typeof InitializeBody>;

const Timestamp = Type.String({
  pattern: TIMESTAMP_PATTERN,
  errorMessage: 'Expected a timestamp like "2021-01-01 00:00:00" or ISO 8601',
  description: 'Sample time; reported back exactly as sent',
});

const Value = Type.Union([Type.Number(), Type.Null()], {
  description: 'A finite number; null means missing',
});

/** A sample in the documented nested form (`values`) or the deployed flat form (variables beside `timestamp`). */
const Sample = Type.Object(
  { timestamp: Timestamp, values: Type.Optional(Type.Record(VariableName, Value)) },
  { additionalProperties: Value },
);
export type Sample = Static<typeof Sample>;

export const DetectionBody = Type.Object({
  id_estacio: StationId,
  numero_mostres: Type.Integer({ minimum: 0, description: 'Must equal the length of mostres' }),
  mostres: Type.Array(Sample),
});
export type DetectionBody = Static<typeof DetectionBody>;

export const OkReply = Type.Object({ status: Type.Literal('Ok') });

export const DetectionReply = Type.Object({
  status: Type.Literal('Ok'),
  outliers: Type.Array(
    Type.Object({
      variable: Type.String(),
      dates: Type.Array(Type.String(), { description: 'As sent; what the data server receives' }),
      points: Type.Array(Type.Object({ date: Type.String(), ...OutlierDetailFields }), {
        description: 'One per date, in the same order',
      }),
    }),
    { description: 'Outliers this block revealed (possibly of samples sent in earlier blocks)' },
  ),
  skipped: Type.Object({
    missing: Type.Integer({ description: 'Values null or absent' }),
    stale: Type.Integer({ description: 'Values whose timestamp was not newer than the last one (re-sends)' }),
    unknown: Type.Integer({ description: 'Values of variables not initialised' }),
  }),
});

export { ErrorReply };
