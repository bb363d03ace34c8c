import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import fp from 'fastify-plugin';
import { JsonBody } from '../detection/decode-metric-request.js';
import { invalidField } from '../detection/metric-errors.js';
import { bodyTooLarge } from '../errors.js';
import { parseForm } from './parse-form.js';
import { splitDataMember } from './split-data-member.js';

/**
 * The body parsers of the metric routes, registered inside their plugin (so scoped to them): form and multipart
 * bodies as their fields, JSON bodies as a JsonBody (detection/decode-metric-request.ts decodes all three). Form and
 * JSON bodies are held to the routes' own bodyLimit (BODY_LIMIT_METRIC), multipart ones to `multipartLimit`.
 */
export default fp<{ multipartLimit: number }>(async (fastify, { multipartLimit }) => {
  await fastify.register(formbody, { parser: parseForm });
  // JSON bodies as usual, but for the text of `data`, cut out for the thread that runs the detection to parse.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    const split = splitDataMember(text as string);
    parseJson(request, split ? split.rest : (text as string), (error, value) => {
      if (error) done(error);
      else done(null, new JsonBody(value, split?.data));
    });
  });
  // Multipart bodies are streamed, not held to a route's bodyLimit: a declared length over the limit is refused
  // before reading, and busboy cuts a longer field silently at fieldSize, so fieldSize is one byte over the limit
  // and a field that long is refused (the rest of its body is read and dropped, never kept).
  const limit = multipartLimit;
  await fastify.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fieldSize: limit + 1, fileSize: limit, fields: 16, files: 3, parts: 19 },
  });
  // isMultipart() tells only once the body is parsed: here the header tells.
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    const multipartBody = /^multipart\/form-data\b/i.test(request.headers['content-type'] ?? '');
    if (multipartBody && Number(request.headers['content-length']) > limit) {
      throw bodyTooLarge('BODY_LIMIT_MULTIPART', limit);
    }
    return payload;
  });
  fastify.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) return;
    for (const [name, value] of Object.entries((request.body ?? {}) as Record<string, unknown>)) {
      if (((value as { length?: number } | null)?.length ?? 0) > limit) {
        throw invalidField(name, `larger than the body limit (BODY_LIMIT_MULTIPART = ${limit} bytes)`);
      }
    }
  });
});
