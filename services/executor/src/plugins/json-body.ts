import fp from 'fastify-plugin';
import { forbiddenKeyError } from '../json/forbidden-key.js';
import { decodeUtf8 } from '../json/utf8.js';

/**
 * JSON bodies as Fastify parses them (prototype keys refused), except that
 * - a refused key is named in the 400 (`variables.__proto__: …`) instead of the whole body being called invalid JSON;
 * - bytes that are not UTF-8 are a 400 (json/utf8.ts).
 */
export default fp(
  async (fastify) => {
    const parse = fastify.getDefaultJsonParser('error', 'error');
    fastify.removeContentTypeParser('application/json');
    fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, bytes, done) => {
      let text: string;
      try {
        text = decodeUtf8(bytes as Buffer);
      } catch (error) {
        done(error as Error, undefined);
        return;
      }
      parse(request, text, (error, body) => {
        done((error && forbiddenKeyError(text)) ?? error, body);
      });
    });
  },
  { name: 'json-body' },
);
