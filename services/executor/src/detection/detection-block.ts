import secureJson from 'secure-json-parse';
import { badRequest } from '../errors.js';
import { COLON, QUOTE, skipJsonSpace } from '../json-scan.js';
import { StationId } from '../schemas/common.js';
import { type DetectionBody, DetectionBody as DetectionBodySchema } from '../schemas/station-stream.js';
import { compileCheck } from '../schemas/validator-compiler.js';
import type { StationSample } from './detect-station-stream.js';
import { isObject, plainStationSamples, type RawSample, toStationSamples } from './station-samples.js';

/** A /detection body, read and checked. */
export interface DetectionBlock {
  id: string;
  samples: StationSample[];
}

const checkBody = compileCheck(DetectionBodySchema);

/**
 * Reads a /detection body from its text as the JSON routes read theirs: `__proto__` and `constructor.prototype`
 * keys rejected (Fastify's default), then DetectionBody, `numero_mostres` and the timestamps checked. The text
 * is read where the block is detected, which for station worker threads is the thread, not the event loop.
 * A common block is read in one pass (plainBlock); any other is checked against the schema.
 * @throws 400 naming `body` (not JSON) or the first offending field.
 */
export function readDetectionBlock(text: string): DetectionBlock {
  let body: unknown;
  try {
    body = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    throw badRequest('body', `not valid JSON (${(err as Error).message})`);
  }
  const plain = plainBlock(body);
  if (plain) return plain;
  const invalid = checkBody(body);
  if (invalid) throw invalid;
  const { id_estacio, numero_mostres, mostres } = body as DetectionBody;
  return { id: id_estacio, samples: toStationSamples(numero_mostres, mostres as RawSample[]) };
}

/** The block when it is a common one (see plainStationSamples) with a station id the schema accepts. */
function plainBlock(body: unknown): DetectionBlock | undefined {
  if (!isObject(body)) return undefined;
  const { id_estacio: id, numero_mostres, mostres } = body;
  if (typeof id !== 'string' || id.length < StationId.minLength! || id.length > StationId.maxLength!)
    return undefined;
  const samples = plainStationSamples(numero_mostres, mostres);
  return samples && { id, samples };
}

const ID_KEY = '"id_estacio"';

/**
 * The station id of a /detection body without parsing it, so the event loop can route the text to the station's
 * thread: the string after the body's only `"id_estacio"` key. Inside a JSON string a quote is escaped, so the key
 * cannot be matched there, and in the samples a variable of that name holds a number (and makes the key appear
 * twice). Undefined when the key is absent, appears twice or its value is not a plain string (escapes): the caller
 * then parses. Only a body that spells its own key with escapes and nests another under an extra top-level field
 * can fool it, so the thread still checks that the station is its own.
 */
export function scanStationId(text: string): string | undefined {
  const key = text.indexOf(ID_KEY);
  if (key < 0 || text.indexOf(ID_KEY, key + ID_KEY.length) >= 0) return undefined;
  let i = skipJsonSpace(text, key + ID_KEY.length);
  if (text.charCodeAt(i) !== COLON) return undefined;
  i = skipJsonSpace(text, i + 1);
  if (text.charCodeAt(i) !== QUOTE) return undefined;
  const end = text.indexOf('"', i + 1);
  if (end < 0) return undefined;
  const id = text.slice(i + 1, end);
  return id.includes('\\') ? undefined : id;
}
