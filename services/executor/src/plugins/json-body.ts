import fp from 'fastify-plugin';
import { badRequest } from '../errors.js';
import { forbiddenKeyPath } from '../json/forbidden-key.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * JSON bodies as Fastify parses them (prototype keys refused), except that
 * - a refused key is named in the 400 (`variables.__proto__: …`) instead of the whole body being called invalid JSON;
 * - bytes that are not UTF-8 are a 400: decoded leniently they would become U+FFFD, and two different station ids
 *   would become one.
 */
export default fp(
  async (fastify) => {
    const parse = fastify.getDefaultJsonParser('error', 'error');
    fastify.removeContentTypeParser('application/json');
    fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, bytes, done) => {
      let text: string;
      try {
        text = utf8.decode(bytes as Buffer);
      } catch {
        done(badRequest('body', 'not valid UTF-8'), undefined);
        return;
      }
      parse(request, text, (error, body) => {
        const path = error ? keyPath(text) : undefined;
        if (path)
          done(badRequest(path, 'a name that could reach an object prototype is not allowed'), undefined);
        else done(error, body);
      });
    });
  },
  { name: 'json-body' },
);

/** forbiddenKeyPath, or undefined when the text is not JSON at all. */
function keyPath(text: string): string | undefined {
  try {
    return forbiddenKeyPath(text);
  } catch {
    return undefined;
  }
}
