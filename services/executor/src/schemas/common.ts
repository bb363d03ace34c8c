import { Type } from '@sinclair/typebox';

/** Station ids are free text (the reference crashed on `_`); they are hashed for file names. */
export const StationId = Type.String({ minLength: 1, maxLength: 256, description: 'Station id' });

/** A variable name, e.g. `var_1`. */
export const VariableName = Type.String({ minLength: 1, maxLength: 256 });

/** Body of every error: `status` is a short reason; `message` names the field for 4xx. */
export const ErrorReply = Type.Object({
  status: Type.String(),
  code: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});
