/** Runs every `*.bench.ts` in this folder in turn (`pnpm --filter @outliers/trainer bench`). */
import { readdirSync } from 'node:fs';

const dir = new URL('.', import.meta.url);
const only = process.argv[2];
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only)))
  .sort()) {
  process.stdout.write(`\n## ${file}\n`);
  await import(new URL(file, dir).href);
}
