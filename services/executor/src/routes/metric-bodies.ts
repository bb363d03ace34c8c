import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import fp from 'fastify-plugin';
import { JsonBody } from '../detection/decode-metric-request.js';
import { bodyTooLarge, invalidField } from '../detection/metric-errors.js';
import { parseForm } from './parse-form.js';
import { splitDataMember } from './split-data-member.js';

/**
 * The body parsers of the metric routes, registered inside their plugin (so scoped to them): form and multipart
 * bodies as their fields, JSON bodies as a JsonBody (detection/decode-metric-request.ts decodes all three).
 */
export default fp<{ bodyLimit: number }>(async (fastify, { bodyLimit }) => {
  await fastify.register(formbody, { bodyLimit, parser: parseForm });
  // JSON bodies as usual, but for the text of `data`, cut out for the thread that runs the detection to parse.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (request, text, done) => {
      const split = splitDataMember(text as string);
      parseJson(request, split ? split.rest : (text as string), (error, value) => {
        if (error) done(error);
        else done(null, new JsonBody(value, split?.data));
      });
    },
  );
  // Multipart bodies are streamed, not held to bodyLimit: a declared length over it is refused before reading, and
  // busboy cuts a longer field silently at fieldSize, so fieldSize is one byte over the limit and a field that
  // long is refused (the rest of its body is read and dropped, never kept).
  await fastify.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fieldSize: bodyLimit + 1, fileSize: bodyLimit, fields: 16, files: 3, parts: 19 },
  });
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    if (Number(request.headers['content-length']) > bodyLimit) throw bodyTooLarge(bodyLimit);
    return payload;
  });
  fastify.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) return;
    for (const [name, value] of Object.entries((request.body ?? {}) as Record<string, unknown>)) {
      if (((value as { length?: number } | null)?.length ?? 0) > bodyLimit) {
        throw invalidField(name, `larger than the body limit (BODY_LIMIT = ${bodyLimit} bytes)`);
      }
    }
  });
});
