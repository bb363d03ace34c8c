/** Command-line arguments without the `--` separator that `pnpm run x -- ...` passes through. */
export function cliArgs(argv = process.argv.slice(2)): string[] {
  return argv.filter((a) => a !== '--');
}

/** Parses `--window` as an integer, or undefined when absent (the detector options validate its range). */
export function parseWindow(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n)) throw new Error(`--window must be an integer, got '${text}'`);
  return n;
}

/** A numeric flag's value. @throws {Error} naming the flag. */
export function numberFlag(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${text}'`);
  return n;
}

/** A non-negative integer flag's value. @throws {Error} naming the flag. */
export function intFlag(name: string, text: string): number {
  const n = numberFlag(name, text);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`--${name} must be a non-negative integer, got '${text}'`);
  return n;
}

/** The flags every evaluation command takes: a data directory and the detector to run, with its window and mode. */
export const EVAL_FLAGS = {
  data: { type: 'string' },
  detector: { type: 'string', default: 'default' },
  window: { type: 'string' },
  mode: { type: 'string' },
} as const;
