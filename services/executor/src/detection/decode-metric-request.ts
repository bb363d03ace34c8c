/**
 * The metric API's request, decoded once, on the event loop: the query parsed, the model name read, and `data` only
 * classified (encoded-fields.ts). `data` is the bulk of a request (~200 KiB for a day of 1-minute rows): it is
 * decoded in the thread that runs the detection (decode-metric-rows.ts), because rows parsed here would have to be
 * cloned to that thread, which costs more than parsing them there.
 */
import { ExecutorError } from '../errors.js';
import {
  type BodyEncoding,
  decodeJson,
  decodeName,
  type EncodedJson,
  encodedJson,
} from './encoded-fields.js';
import { invalidField } from './metric-errors.js';

/**
 * A JSON body as the route's parser hands it over: its value, and the text of its `data` member when the parser cut
 * it out (routes/split-data-member.ts; `value.data` is then null).
 */
export class JsonBody {
  constructor(
    readonly value: unknown,
    readonly dataText?: string,
  ) {}
}

export interface MetricRequest {
  /** The Druid native query, parsed JSON. */
  query?: unknown;
  /** A Druid timeseries response, still encoded. */
  data?: EncodedJson;
  /** A model name (not yet validated). */
  model?: string;
}

/**
 * @param body a JsonBody, or the fields of a form or multipart body (their parsers' output).
 * @throws ExecutorError 400 naming the field that cannot be decoded.
 */
function decodeMetricRequest(body: unknown): MetricRequest {
  const encoding: BodyEncoding = body instanceof JsonBody ? 'json' : 'form';
  const value = body instanceof JsonBody ? body.value : body;
  if (value === undefined || value === null || value === '') return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidField('body', 'expected an object with the fields query, data and model');
  }
  const fields = value as Record<string, unknown>;
  const request: MetricRequest = {};
  const query = encodedJson('query', fields.query, encoding);
  if (query !== undefined) request.query = decodeJson('query', query);
  const model = decodeName('model', fields.model, encoding);
  if (model !== undefined) request.model = model;
  const dataText = body instanceof JsonBody ? body.dataText : undefined;
  const data = dataText === undefined ? encodedJson('data', fields.data, encoding) : { json: dataText };
  if (data !== undefined) request.data = data;
  return request;
}

/**
 * The metric routes' body validator (Fastify's `{ value } | { error }`): the route's body schema documents the
 * fields for OpenAPI, this decodes and checks them.
 */
export function validateMetricBody(body: unknown): { value: MetricRequest } | { error: ExecutorError } {
  try {
    return { value: decodeMetricRequest(body) };
  } catch (error) {
    if (error instanceof ExecutorError) return { error };
    throw error;
  }
}
