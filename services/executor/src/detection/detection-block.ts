import secureJson from 'secure-json-parse';
import { badRequest } from '../errors.js';
import { forbiddenKeyError } from '../json/forbidden-key.js';
import { COLON, QUOTE, skipJsonSpace } from '../json-scan.js';
import type { InputLimits } from '../schemas/common.js';
import { type DetectionBody, detectionBody } from '../schemas/station-stream.js';
import { compileCheck } from '../schemas/validator-compiler.js';
import type { StationSample } from './detect-station-stream.js';
import { isObject, plainStationSamples, type RawSample, toStationSamples } from './station-samples.js';

/** What a /detection body holds, read and checked. */
export interface BlockContent {
  id: string;
  samples: StationSample[];
}

/** Reads a /detection body's text (detectionBlockReader). */
export type BlockReader = (text: string) => BlockContent;

/**
 * A /detection block (the route's body), read from its text when first asked for, so that with station threads the
 * text crosses to the station's thread and is read there rather than on the event loop.
 * @throws from `id` and `samples`: what `read` throws (400 naming the field).
 */
export class DetectionBlock {
  private content: BlockContent | undefined;

  constructor(
    readonly text: string,
    private readonly read: BlockReader,
  ) {}

  get id(): string {
    return this.readOnce().id;
  }

  get samples(): StationSample[] {
    return this.readOnce().samples;
  }

  /**
   * The station the text names, found by scanStationId without reading the text, else by reading it; undefined
   * when the text cannot be read. It may differ from `id` only for a body built to fool the scan (see there).
   */
  get station(): string | undefined {
    const scanned = scanStationId(this.text);
    if (scanned !== undefined) return scanned;
    try {
      return this.id;
    } catch {
      return undefined;
    }
  }

  private readOnce(): BlockContent {
    this.content ??= this.read(this.text);
    return this.content;
  }
}

/**
 * Reads /detection bodies from their text as the JSON routes read theirs: `__proto__` and `constructor.prototype`
 * keys rejected (Fastify's default), then the DetectionBody schema of `limits`, `numero_mostres` and the timestamps
 * checked. A common block is read in one pass (plainBlock); any other is checked against the schema, whose errors
 * name the field (and the limit, for one beyond them).
 * @throws 400 naming `body` (not JSON) or the first offending field.
 */
export function detectionBlockReader(limits: InputLimits): BlockReader {
  const checkBody = compileCheck(detectionBody(limits));
  return (text) => {
    let body: unknown;
    try {
      body = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch (err) {
      throw forbiddenKeyError(text) ?? badRequest('body', `not valid JSON (${(err as Error).message})`);
    }
    const plain = plainBlock(body, limits);
    if (plain) return plain;
    const invalid = checkBody(body);
    if (invalid) throw invalid;
    const { id_estacio, numero_mostres, mostres } = body as DetectionBody;
    return { id: id_estacio, samples: toStationSamples(numero_mostres, mostres as RawSample[]) };
  };
}

/** The block when it is a common one (see plainStationSamples) within `limits`; the schema answers any other. */
function plainBlock(body: unknown, limits: InputLimits): BlockContent | undefined {
  if (!isObject(body)) return undefined;
  const { id_estacio: id, numero_mostres, mostres } = body;
  if (typeof id !== 'string' || id.length < 1 || id.length > limits.MAX_ID_LENGTH) return undefined;
  if (!Array.isArray(mostres) || mostres.length > limits.MAX_SAMPLES_PER_BLOCK) return undefined;
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
