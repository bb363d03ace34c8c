import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { type ApiKeys, bearerDigest } from '../access/api-keys.js';
import { routeAccess } from '../access/route-groups.js';
import type { Config } from '../config.js';
import { rateLimited } from '../errors.js';

/**
 * RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_MS (0: off, the embedded default), counted per API key, or per
 * address for requests without a valid one (so made-up tokens do not each get a fresh allowance). Beyond it: 429
 * with `Retry-After`. Health checks are never limited.
 */
export default fp<{ config: Config; keys: ApiKeys }>(
  async (fastify, { config, keys }) => {
    if (config.RATE_LIMIT_MAX === 0) return;
    await fastify.register(rateLimit, {
      global: true,
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      allowList: (request) => routeAccess(request.method, request.routeOptions.url) === 'open',
      keyGenerator: (request) => {
        const digest = bearerDigest(request.headers.authorization);
        return digest !== undefined && keys.has(digest) ? `key:${digest}` : `address:${request.ip}`;
      },
      errorResponseBuilder: (_request, context) => rateLimited(context.max, context.after),
    });
  },
  { name: 'rate-limits' },
);
