import { defineProject } from 'vitest/config';

// "source" resolves workspace packages to their TypeScript sources, so tests never run against a stale dist.
export default defineProject({
  resolve: { conditions: ['source'] },
  test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
