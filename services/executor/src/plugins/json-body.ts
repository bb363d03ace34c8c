import fp from 'fastify-plugin';
import { badRequest } from '../errors.js';
import { forbiddenKeyPath } from '../json/forbidden-key.js';

/**
 * JSON bodies as Fastify parses them (prototype keys refused), except that a refused key is named in the 400
 * (`variables.__proto__: …`) instead of the whole body being called invalid JSON.
 */
export default fp(
  async (fastify) => {
    const parse = fastify.getDefaultJsonParser('error', 'error');
    fastify.removeContentTypeParser('application/json');
    fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
      parse(request, text as string, (error, body) => {
        const path = error ? keyPath(text as string) : undefined;
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
