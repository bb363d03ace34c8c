/**
 * Decoding of the metric API's three fields, as the reference's clients send them:
 * - form and multipart bodies: every field is base64 (`query` and `data` of JSON text, `model` of a name);
 * - JSON bodies: `query` / `data` as JSON values, JSON text or base64 of JSON text; `model` as a plain name, or
 *   base64 of one when the string is not itself a valid name (e.g. padded with `=`).
 */
import { isValidModelName } from '@outliers/model-store';
import { invalidField } from './metric-errors.js';

export type BodyEncoding = 'form' | 'json';

export interface MetricRequest {
  /** The Druid native query, parsed JSON. */
  query?: unknown;
  /**
   * A Druid timeseries response, still encoded: it is the bulk of a request (~200 KiB for a day of 1-minute rows),
   * so it is decoded with `decodeJsonField` where the detection runs (a worker thread), not on the event loop.
   */
  data?: EncodedJsonField;
  /** A model name (not yet validated). */
  model?: string;
}

/** A JSON field as the body carried it. */
export interface EncodedJsonField {
  value: unknown;
  encoding: BodyEncoding;
  /**
   * The JSON text of the value, cut out of a JSON body by the route (`value` is then undefined): the worker thread
   * parses it, once. Sending a parsed value instead costs a structured clone, 1.0 ms on the event loop and 2.7 ms
   * in the thread for a day of 1-minute rows, where parsing the text costs 1.6 ms.
   */
  text?: string;
}

/**
 * @param dataText the text of `data`, cut out of a JSON body (see EncodedJsonField.text).
 * @throws ExecutorError 400 naming the field that cannot be decoded.
 */
export function decodeMetricRequest(body: unknown, encoding: BodyEncoding, dataText?: string): MetricRequest {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw invalidField('body', 'expected an object with the fields query, data and model');
  }
  const fields = body as Record<string, unknown>;
  const request: MetricRequest = {};
  const query = decodeJsonField('query', { value: fields.query, encoding });
  const model = modelField(fields.model, encoding);
  if (query !== undefined) request.query = query;
  if (dataText !== undefined) request.data = { value: undefined, encoding, text: dataText };
  else if (!isAbsent(fields.data)) request.data = { value: fields.data, encoding };
  if (model !== undefined) request.model = model;
  return request;
}

/** The parsed JSON of a field, undefined when absent. @throws ExecutorError 400 naming the field. */
export function decodeJsonField(field: string, encoded: EncodedJsonField): unknown {
  const { encoding, value } = encoded;
  if (encoded.text !== undefined) return parseJson(field, encoded.text, 'not valid JSON');
  if (isAbsent(value)) return undefined;
  if (encoding === 'json' && typeof value === 'object') return value;
  const text = textOf(field, value);
  if (encoding === 'json' && /^\s*[[{]/.test(text)) return parseJson(field, text, 'not valid JSON');
  return parseJson(field, decodeBase64(field, text), 'not valid JSON (after base64 decoding)');
}

function modelField(value: unknown, encoding: BodyEncoding): string | undefined {
  if (isAbsent(value)) return undefined;
  const text = textOf('model', value).trim();
  if (encoding === 'json' && isValidModelName(text)) return text;
  return decodeBase64('model', text).trim();
}

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * Multipart file parts arrive as Buffers (`curl -F data=@payload.b64`), and as plain Uint8Arrays once passed to a
 * worker thread; their text is the field.
 */
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
