/**
 * The metric API's fields as the reference's clients send them:
 * - form and multipart bodies: every field is base64 (`query` and `data` of JSON text, `model` of a name);
 * - JSON bodies: `query` / `data` as JSON values, JSON text or base64 of JSON text; `model` as a plain name, or
 *   base64 of one when the string is not itself a valid name (e.g. padded with `=`).
 */
import { isValidModelName } from '@outliers/model-store';
import { invalidField } from './metric-errors.js';

export type BodyEncoding = 'form' | 'json';

/** A JSON field, its encoding told but its text not yet decoded. */
export type EncodedJson = { json: string } | { base64: string } | { value: unknown };

/** How a JSON field is encoded; undefined when absent. @throws ExecutorError 400 naming the field. */
export function encodedJson(field: string, value: unknown, encoding: BodyEncoding): EncodedJson | undefined {
  if (isAbsent(value)) return undefined;
  if (encoding === 'json' && typeof value === 'object') return { value };
  const text = textOf(field, value);
  if (encoding === 'json' && /^\s*[[{]/.test(text)) return { json: text };
  return { base64: text };
}

/** The JSON value of an encoded field. @throws ExecutorError 400 naming the field. */
export function decodeJson(field: string, encoded: EncodedJson): unknown {
  if ('value' in encoded) return encoded.value;
  if ('json' in encoded) return parseJson(field, encoded.json, 'not valid JSON');
  return parseJson(field, decodeBase64(field, encoded.base64), 'not valid JSON (after base64 decoding)');
}

/** A name field (not yet validated as a name); undefined when absent. @throws ExecutorError 400 naming the field. */
export function decodeName(field: string, value: unknown, encoding: BodyEncoding): string | undefined {
  if (isAbsent(value)) return undefined;
  const text = textOf(field, value).trim();
  if (encoding === 'json' && isValidModelName(text)) return text;
  return decodeBase64(field, text).trim();
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** Multipart file parts arrive as Buffers (`curl -F data=@payload.b64`); their text is the field. */
function textOf(field: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  throw invalidField(field, 'expected a string');
}

// Standard or URL-safe alphabet, optional padding. Spaces are '+' that a client forgot to percent-encode in a form.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const WHITESPACE = /[\r\n\t ]/;

function decodeBase64(field: string, text: string): string {
  // What encoders produce (standard alphabet, padded, no whitespace) re-encodes to itself: a check at a third of
  // the cost of the regular expressions below, which the data field (~200 KiB) would otherwise pay every request.
  const bytes = Buffer.from(text, 'base64');
  if (text !== '' && bytes.toString('base64') === text) return bytes.toString('utf8');
  const compact = WHITESPACE.test(text) ? text.replace(/[\r\n\t]/g, '').replaceAll(' ', '+') : text;
  let end = compact.length;
  while (end > 0 && compact.charCodeAt(end - 1) === 61 /* = */) end--;
  if (compact === '' || end % 4 === 1 || !BASE64.test(compact)) throw invalidField(field, 'not valid base64');
  return Buffer.from(compact, 'base64').toString('utf8');
}

function parseJson(field: string, text: string, failure: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidField(field, failure);
  }
}
