/**
 * A JSON body's `data` member cut out of its text, so that the event loop parses only the rest (the query and the
 * model name: what it needs to pick the model) and the thread that runs the detection parses `data`, the bulk, once:
 * matching brackets is several times cheaper than parsing, and the event loop serves every request.
 *
 * Only the plain case is cut: an object whose keys have no escapes, with one `data` member whose value is an array or
 * an object. Anything else is parsed whole, as before. The cut does not check `data` itself beyond matching its
 * brackets: the worker's parse does, and names the field when it is not JSON.
 */
import { COLON, QUOTE, skipJsonSpace } from '../json-scan.js';

const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

export interface SplitBody {
  /** The body with `data`'s value replaced by null. */
  rest: string;
  /** The text of `data`'s value. */
  data: string;
}

export function splitDataMember(text: string): SplitBody | undefined {
  let i = skipJsonSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_OBJECT) return undefined;
  let data: { start: number; end: number } | undefined;
  i = skipJsonSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_OBJECT) return undefined;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return undefined;
    const keyEnd = stringEnd(text, i);
    // An escaped key could spell "data" (d\u0061ta): such bodies are parsed whole.
    if (keyEnd < 0 || text.slice(i, keyEnd).includes('\\')) return undefined;
    const isData = keyEnd - i === 6 && text.startsWith('data', i + 1);
    i = skipJsonSpace(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) return undefined;
    const start = skipJsonSpace(text, i + 1);
    const first = text.charCodeAt(start);
    const end =
      first === OPEN_ARRAY || first === OPEN_OBJECT ? containerEnd(text, start) : scalarEnd(text, start);
    if (end < 0) return undefined;
    if (isData) {
      // Parsed as written otherwise: a string (base64 or JSON text) is small to parse, and a repeated member is
      // JSON.parse's to resolve.
      if (data !== undefined || !(first === OPEN_ARRAY || first === OPEN_OBJECT)) return undefined;
      data = { start, end };
    }
    i = skipJsonSpace(text, end);
    const next = text.charCodeAt(i);
    if (next === CLOSE_OBJECT) break;
    if (next !== COMMA) return undefined;
    i = skipJsonSpace(text, i + 1);
  }
  if (data === undefined || skipJsonSpace(text, i + 1) !== text.length) return undefined;
  return {
    rest: `${text.slice(0, data.start)}null${text.slice(data.end)}`,
    data: text.slice(data.start, data.end),
  };
}

/** Past the array or object opening at `start` (brackets matched by depth, strings skipped); -1 if it never closes. */
function containerEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i) - 1;
      if (i < 0) return -1;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) depth++;
    else if ((c === CLOSE_ARRAY || c === CLOSE_OBJECT) && --depth === 0) return i + 1;
  }
  return -1;
}

/** Past the string opening at `start`; -1 if it never closes. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
  return -1;
}

/**
 * Past a string, number or literal at `start`: up to the next comma or closing brace (the parse of the rest checks
 * what lies between).
 */
function scalarEnd(text: string, start: number): number {
  if (text.charCodeAt(start) === QUOTE) return stringEnd(text, start);
  let i = start;
  while (i < text.length && text.charCodeAt(i) !== COMMA && text.charCodeAt(i) !== CLOSE_OBJECT) i++;
  return i === start ? -1 : i;
}
