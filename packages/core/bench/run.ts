/** Runs every `*.bench.ts` in this folder in turn (`pnpm bench`). */
import { readdirSync } from 'node:fs';

const dir = new URL('.', import.meta.url);
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort()) {
  process.stdout.write(`\n## ${file}\n`);
  await import(new URL(file, dir).href);
}
