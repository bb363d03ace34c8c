import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

/** OpenAPI document from the route schemas, served at /docs (JSON at /docs/json). */
export default fp(
  async (fastify) => {
    await fastify.register(swagger, {
      openapi: {
        info: {
          title: 'Outliers executor',
          description:
            'Station stream outlier detection (wire-compatible with the reference station server).',
          version: '0.1.0',
        },
      },
    });
    await fastify.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'swagger' },
);
