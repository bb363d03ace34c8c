import { Type } from '@sinclair/typebox';

/** Station ids are free text (the reference crashed on `_`); they are hashed for file names. */
export const StationId = Type.String({ minLength: 1, maxLength: 256, description: 'Station id' });

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
