import secureJson from 'secure-json-parse';
import { badRequest } from '../errors.js';
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
 * keys rejected (Fastify's default), then DetectionBody, `numero_mostres` and the timestamps checked (the
 * /detection route's body parser). A common block is read in one pass (plainBlock); any other is checked against
 * the schema, whose errors name the field.
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
