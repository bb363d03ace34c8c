import fp from 'fastify-plugin';
import { type ApiKeys, bearerDigest } from '../access/api-keys.js';
import { routeAccess } from '../access/route-groups.js';
import { forbidden, unauthorized } from '../errors.js';

/**
 * API keys per route group (access/route-groups.ts), checked before the body is read; off when API_KEYS is empty
 * (the embedded default). No or an unknown key: 401 with `WWW-Authenticate: Bearer`; a key of another group: 403
 * naming the group it lacks. Health checks stay open; a request no route matches needs a key of any group.
 */
export default fp<{ keys: ApiKeys }>(
  async (fastify, { keys }) => {
    if (keys.size === 0) return;
    // preParsing: after the rate limit's onRequest hook (so key guesses are counted), before the body is read.
    fastify.addHook('preParsing', async (request, reply, payload) => {
      const access = routeAccess(request.method, request.routeOptions.url);
      if (access === 'open') return;
      const groups = keys.get(bearerDigest(request.headers.authorization) ?? '');
      if (!groups) {
        reply.header('www-authenticate', 'Bearer realm="outliers"');
        throw unauthorized(access);
      }
      if (access !== undefined && !groups.has(access)) throw forbidden(access, [...groups]);
      return payload;
    });
  },
  { name: 'access-control' },
);
