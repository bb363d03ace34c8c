import { Type } from '@sinclair/typebox';
import type { Config } from '../config.js';

/** The configured bounds on one request's input (issue #16: no one request may stall a station's thread). */
export type InputLimits = Pick<
  Config,
  'MAX_ID_LENGTH' | 'MAX_VARIABLES_PER_STATION' | 'MAX_SAMPLES_PER_BLOCK'
>;

/**
 * The longest station id as a URL path parameter: every code unit is at most 3 bytes of UTF-8, each written `%XX`.
 * The router refuses longer parameters (414) before any schema sees them.
 */
export function maxIdParamLength(limits: Pick<InputLimits, 'MAX_ID_LENGTH'>): number {
  return limits.MAX_ID_LENGTH * 9;
}

/**
 * Station ids are free text (the reference crashed on `_`); they are hashed for file names. The message of every
 * failure (not a string, empty, too long) names the limit.
 */
export function stationIdSchema({ MAX_ID_LENGTH }: Pick<InputLimits, 'MAX_ID_LENGTH'>) {
  return Type.String({
    minLength: 1,
    maxLength: MAX_ID_LENGTH,
    description: 'Station id',
    errorMessage: `Expected a string of 1 to ${MAX_ID_LENGTH} UTF-16 code units (MAX_ID_LENGTH = ${MAX_ID_LENGTH})`,
  });
}

/**
 * A variable name, e.g. `var_1`. As the key of a Record, TypeBox checks the value of every key its `pattern` matches
 * (the length bounds are not applied to keys); without a pattern it used `^(.*)$`, which a name holding a line
 * break does not match, so such a variable's value went unchecked (a string was taken as a missing value).
 */
export const VariableName = Type.String({ minLength: 1, maxLength: 256, pattern: '^[\\s\\S]*$' });

/** Body of every error: `status` is a short reason; `message` names the field for 4xx. */
export const ErrorReply = Type.Object({
  status: Type.String(),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});

/** What the replies tell of one flagged sample besides its date (fields a detector does not give are absent). */
export const OutlierDetailFields = {
  score: Type.Number({
    description: 'Anomaly score in [0, 1] (default detector: 0.5 is a tail probability of 1e-8)',
  }),
  reason: Type.Optional(
    Type.Union(
      ['score', 'range', 'spike', 'level-shift', 'stuck', 'dropout'].map((r) => Type.Literal(r)),
      { description: 'Why it was flagged' },
    ),
  ),
  expected: Type.Optional(Type.Number({ description: 'What the detector expected, in the variable units' })),
  band: Type.Optional(
    Type.Tuple([Type.Number(), Type.Number()], {
      description: 'The band [lower, upper] a lasting deviation could take without being flagged',
    }),
  ),
};
