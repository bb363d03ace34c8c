/**
 * Look-back durations: ISO-8601 periods of fixed length (weeks, days, hours, minutes, seconds: P1D, PT6H, P1DT12H)
 * or short forms (30s, 15m, 24h, 7d, 1w). Months and years have no fixed length and are refused by the config schema.
 */
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

const ISO = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i;
const SHORT = /^(\d+)([smhdw])$/;

/**
 * Milliseconds in a look-back.
 * @throws {RangeError} when the text is neither form or the duration is zero.
 * @example lookBackMs('P1DT12H') === 129_600_000
 */
export function lookBackMs(text: string): number {
  const short = SHORT.exec(text);
  let ms: number;
  if (short) {
    ms = Number(short[1]) * UNIT_MS[short[2] as keyof typeof UNIT_MS];
  } else {
    const iso = ISO.exec(text);
    if (!iso || text.toUpperCase().endsWith('T')) throw new RangeError(`lookBack: cannot parse "${text}"`);
    const [w, d, h, m, s] = iso.slice(1).map((v) => Number(v ?? 0)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    ms = w * UNIT_MS.w + d * UNIT_MS.d + h * UNIT_MS.h + m * UNIT_MS.m + s * UNIT_MS.s;
  }
  if (ms <= 0) throw new RangeError(`lookBack: "${text}" is not a positive duration`);
  return ms;
}
