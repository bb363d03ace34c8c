import { type Static, Type } from '@sinclair/typebox';
import { TIMESTAMP_PATTERN } from '../detection/timestamps.js';
import {
  ErrorReply,
  type InputLimits,
  OutlierDetailFields,
  stationIdSchema,
  VariableName,
} from './common.js';

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

export function initializeBody(limits: InputLimits) {
  const max = limits.MAX_VARIABLES_PER_STATION;
  return Type.Object({
    id_estacio: stationIdSchema(limits),
    variables: Type.Record(VariableName, Type.Union([Window, VariableOptions]), {
      minProperties: 1,
      maxProperties: max,
      // Of the object itself (not an object, empty, too many); its variables' errors keep their own messages.
      errorMessage: `Expected an object of 1 to ${max} variables (MAX_VARIABLES_PER_STATION = ${max})`,
      description: 'Per variable: the window length W, or an options object',
    }),
  });
}
export type InitializeBody = Static<ReturnType<typeof initializeBody>>;

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

export function detectionBody(limits: InputLimits) {
  const max = limits.MAX_SAMPLES_PER_BLOCK;
  return Type.Object({
    id_estacio: stationIdSchema(limits),
    numero_mostres: Type.Integer({ minimum: 0, description: 'Must equal the length of mostres' }),
    mostres: Type.Array(Sample, {
      maxItems: max,
      errorMessage: `Expected an array of at most ${max} samples (MAX_SAMPLES_PER_BLOCK = ${max})`,
    }),
  });
}
export type DetectionBody = Static<ReturnType<typeof detectionBody>>;

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
