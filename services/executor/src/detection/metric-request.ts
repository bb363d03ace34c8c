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
  /** A Druid timeseries response, parsed JSON. */
  data?: unknown;
  /** A model name (not yet validated). */
  model?: string;
}

/** @throws ExecutorError 400 naming the field that cannot be decoded. */
export function decodeMetricRequest(body: unknown, encoding: BodyEncoding): MetricRequest {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw invalidField('body', 'expected an object with the fields query, data and model');
  }
  const fields = body as Record<string, unknown>;
  const request: MetricRequest = {};
  const query = jsonField('query', fields.query, encoding);
  const data = jsonField('data', fields.data, encoding);
  const model = modelField(fields.model, encoding);
  if (query !== undefined) request.query = query;
  if (data !== undefined) request.data = data;
  if (model !== undefined) request.model = model;
  return request;
}

function jsonField(field: string, value: unknown, encoding: BodyEncoding): unknown {
  if (isAbsent(value)) return undefined;
  if (encoding === 'json' && typeof value === 'object') return value;
  const text = textOf(field, value);
  if (encoding === 'json' && /^\s*[[{]/.test(text)) return parseJson(field, text);
  return parseJson(field, decodeBase64(field, text));
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

/** Multipart file parts arrive as Buffers (`curl -F data=@payload.b64`); their text is the field. */
function textOf(field: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw invalidField(field, 'expected a string');
}

// Standard or URL-safe alphabet, optional padding. Spaces are '+' that a client forgot to percent-encode in a form.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const WHITESPACE = /[\r\n\t ]/;

function decodeBase64(field: string, text: string): string {
  // Most bodies carry no whitespace: skip the copies then (the data field is ~100 KiB).
  const compact = WHITESPACE.test(text) ? text.replace(/[\r\n\t]/g, '').replaceAll(' ', '+') : text;
  let end = compact.length;
  while (end > 0 && compact.charCodeAt(end - 1) === 61 /* = */) end--;
  if (compact === '' || end % 4 === 1 || !BASE64.test(compact)) throw invalidField(field, 'not valid base64');
  return Buffer.from(compact, 'base64').toString('utf8');
}

function parseJson(field: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidField(field, 'not valid JSON (after base64 decoding)');
  }
}
