/**
 * application/x-www-form-urlencoded bodies, read as fast-querystring (the default parser of @fastify/formbody)
 * reads them: pairs split on `&` and the first `=`, `+` is a space, %XX escapes decoded (a malformed escape leaves
 * the text as sent), a repeated key gives an array, an empty pair is skipped. The difference is speed: each pair is
 * found with native `indexOf` and left alone when it has nothing to decode, where fast-querystring loops over every
 * character in JavaScript, and the metric API's `data` field is ~200 KiB of base64.
 */
export function parseForm(input: string): Record<string, string | string[]> {
  // No prototype: a key may be called `__proto__`.
  const result: Record<string, string | string[]> = Object.create(null);
  let start = 0;
  while (start < input.length) {
    let end = input.indexOf('&', start);
    if (end === -1) end = input.length;
    // The pair alone: searching `=` in the rest of a large body for every pair would be quadratic.
    const pair = input.slice(start, end);
    start = end + 1;
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decodeComponent(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decodeComponent(pair.slice(equals + 1));
    const current = result[key];
    if (current === undefined) result[key] = value;
    else if (Array.isArray(current)) current.push(value);
    else result[key] = [current, value];
  }
  return result;
}

function decodeComponent(text: string): string {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text;
  let percent = spaced.indexOf('%');
  if (percent === -1) return spaced;
  // Escapes of ASCII characters are decoded piece by piece: a base64 field's padding (`%3D`) would otherwise cost
  // a decodeURIComponent over all of a ~200 KiB field for the one escape at its end.
  let decoded = '';
  let from = 0;
  while (percent !== -1) {
    const code = hexByte(spaced, percent + 1);
    if (code === -1) return spaced; // malformed: as decodeURIComponent's failure below
    if (code >= 0x80) return decodeUtf8(spaced);
    decoded += spaced.slice(from, percent) + String.fromCharCode(code);
    from = percent + 3;
    percent = spaced.indexOf('%', from);
  }
  return decoded + spaced.slice(from);
}

/** Escapes of UTF-8 sequences, by the native decoder. */
function decodeUtf8(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The byte of the two hex digits at `at`, or -1. */
function hexByte(text: string, at: number): number {
  const high = hexDigit(text.charCodeAt(at));
  const low = hexDigit(text.charCodeAt(at + 1));
  return high === -1 || low === -1 ? -1 : high * 16 + low;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87; // a-f, A-F
  return -1;
}
