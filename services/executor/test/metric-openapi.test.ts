import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MetricApp, startMetricApp } from './support/metric-support.js';

let ctx: MetricApp;
beforeAll(async () => {
  ctx = await startMetricApp();
});
afterAll(() => ctx.close());

describe('OpenAPI (/docs/json)', () => {
  it.each(['/api/v1/outliers', '/calculate'])(
    'lists the request body of POST %s in every accepted encoding',
    async (path) => {
      const res = await ctx.app.inject({ url: '/docs/json' });
      expect(res.statusCode).toBe(200);
      const { requestBody } = res.json().paths[path].post;
      expect(Object.keys(requestBody.content).sort()).toEqual([
        'application/json',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
      ]);
      for (const { schema } of Object.values(requestBody.content) as { schema: Record<string, unknown> }[]) {
        expect(schema).toMatchObject({
          type: 'object',
          properties: {
            query: { description: expect.stringContaining('query') },
            data: { description: expect.stringContaining('response') },
            model: { description: expect.stringContaining('model name') },
          },
        });
      }
    },
  );
});
