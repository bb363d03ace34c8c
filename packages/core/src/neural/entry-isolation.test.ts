import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Module specifiers of the static imports and re-exports of a source file. */
function specifiers(file: URL): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

/** Every module reachable by static imports from `entry`, and the bare packages they import. */
function importGraph(entry: URL): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: URL) => {
    if (files.has(file.href)) return;
    files.add(file.href);
    for (const specifier of specifiers(file)) {
      if (specifier.startsWith('.')) visit(new URL(specifier.replace(/\.js$/, '.ts'), file));
      else packages.add(specifier);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('entry points', () => {
  it('the main entry never reaches TF.js; the autoencoder entry does', () => {
    const main = importGraph(new URL('../index.ts', import.meta.url));
    expect(main.files.size).toBeGreaterThan(3);
    expect([...main.packages].filter((p) => p.startsWith('@tensorflow'))).toEqual([]);
    expect([...main.files].filter((f) => f.includes('/neural/'))).toEqual([]);
    const autoencoder = importGraph(new URL('./index.ts', import.meta.url));
    expect(autoencoder.packages).toContain('@tensorflow/tfjs');
  });
});
