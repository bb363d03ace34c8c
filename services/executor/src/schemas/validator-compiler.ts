import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import type { FastifySchemaCompiler } from 'fastify';
import { badRequest, type ExecutorError } from '../errors.js';

/**
 * Fastify validator compiler on TypeBox's TypeCompiler. Bodies are checked as sent (no coercion: "0.5" is not a
 * number); query strings and params get their defaults and are converted first ("?limit=10"). Numbers must be finite (TypeBox's default
 * policy), so a JSON 1e400 (Infinity) is rejected. A failure becomes one 400 naming the first offending field.
 */
export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validate = compileCheck(schema, httpPart === 'body' ? '' : `${httpPart ?? ''}.`);
  return (value: unknown) => {
    const candidate = httpPart === 'body' ? value : Value.Convert(schema, Value.Default(schema, value));
    const error = validate(candidate);
    return error ? { error } : { value: candidate };
  };
};

/**
 * A check of values against `schema`: undefined when valid, else the 400 naming the first offending field (after
 * `prefix`), as the routes answer it.
 */
export function compileCheck(schema: TSchema, prefix = ''): (value: unknown) => ExecutorError | undefined {
  const check = TypeCompiler.Compile(schema);
  return (value: unknown) => {
    if (check.Check(value)) return undefined;
    const first = check.Errors(value).First();
    const error = first ? explain(first) : { path: '', message: 'invalid' };
    return badRequest(`${prefix}${fieldName(error.path)}`.replace(/\.$/, ''), error.message);
  };
}

/** Inside a union, the most specific branch error (a failed bound beats a wrong type); `errorMessage` wins. */
function explain(error: ValueError): { path: string; message: string } {
  const custom = (error.schema as { errorMessage?: string }).errorMessage;
  if (error.type === ValueErrorType.Union) {
    const branches = error.errors.map((it) => it.First()).filter((e): e is ValueError => e !== undefined);
    const specific = branches
      .filter((e) => !TYPE_MISMATCH.has(e.type))
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (specific) return explain(specific);
    if (custom) return { path: error.path, message: custom };
    const kinds = branches.map((e) => e.message.replace(/^Expected /, ''));
    return { path: error.path, message: `Expected ${kinds.join(' or ')}` };
  }
  return { path: error.path, message: custom ?? error.message };
}

const TYPE_MISMATCH = new Set<ValueErrorType>([
  ValueErrorType.Object,
  ValueErrorType.Number,
  ValueErrorType.Integer,
  ValueErrorType.String,
  ValueErrorType.Null,
  ValueErrorType.Boolean,
  ValueErrorType.Array,
  ValueErrorType.Union,
]);

/** "/mostres/0/timestamp" → "mostres[0].timestamp". */
export function fieldName(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}
