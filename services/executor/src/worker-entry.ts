/**
 * The entry of a worker thread next to the module at `from` (its import.meta.url): the compiled `<name>.js`, or,
 * when running from TypeScript sources (tests, benchmarks), the `<name>-from-source.mjs` bootstrap that registers
 * tsx in the thread, with the options that run it (profiling flags such as --cpu-prof still reach the thread).
 */
export function workerEntry(name: string, from: string): { url: URL; execArgv?: string[] } {
  if (!from.endsWith('.ts')) return { url: new URL(`./${name}.js`, from) };
  return {
    url: new URL(`./${name}-from-source.mjs`, from),
    execArgv: [...process.execArgv.filter((a) => a.startsWith('--cpu-prof')), '--conditions=source'],
  };
}
