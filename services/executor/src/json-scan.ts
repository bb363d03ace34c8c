/**
 * Reading JSON text without parsing it, where only a little of a large body is needed (the station id of a
 * /detection body, the extent of a metric body's `data`).
 */

export const QUOTE = 0x22;
export const COLON = 0x3a;

/** The first position at or after `i` that is not JSON whitespace (space, line feed, carriage return, tab). */
export function skipJsonSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}
