import { defineProject } from 'vitest/config';

// "source" resolves workspace packages to their TypeScript sources, so tests never run against a stale dist.
// Vite applies `resolve.conditions` to the client environment only; tests run in the SSR one, hence `ssr`.
export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The route tests start station threads, each registering tsx to run from the sources: seconds on a busy machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
