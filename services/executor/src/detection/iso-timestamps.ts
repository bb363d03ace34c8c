const DAY_MS = 86_400_000;

/**
 * A formatter equal to `new Date(ms).toISOString()` for integer milliseconds, for long runs of times (a reply has one
 * per row): the date part is formatted once per day and the time of day by arithmetic, about 4 times faster.
 */
export function isoTimestamps(): (ms: number) => string {
  let day = Number.NaN;
  let prefix = '';
  return (ms) => {
    const d = Math.floor(ms / DAY_MS);
    if (d !== day) {
      day = d;
      prefix = new Date(d * DAY_MS).toISOString().slice(0, 11);
    }
    // Years beyond 0000..9999 have a signed 6-digit year: the builtin's job.
    if (prefix.length !== 11 || prefix[10] !== 'T' || !Number.isInteger(ms))
      return new Date(ms).toISOString();
    const t = ms - d * DAY_MS;
    return `${prefix}${two(Math.floor(t / 3_600_000))}:${two(Math.floor(t / 60_000) % 60)}:${two(Math.floor(t / 1000) % 60)}.${three(t % 1000)}Z`;
  };
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function three(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}
