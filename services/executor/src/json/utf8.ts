import { badRequest } from '../errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A body's bytes as text, refusing bytes that are not UTF-8: decoded leniently they would become U+FFFD, and two
 * different station ids would become one.
 * @throws 400 naming `body`.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw badRequest('body', 'not valid UTF-8');
  }
}
