import { describe, expect, it } from 'vitest';
import { parseForm } from './parse-form.js';

const plain = (form: Record<string, unknown>) => ({ ...form });

describe('parseForm', () => {
  it('reads what URLSearchParams reads for well-formed bodies', () => {
    const bodies = [
      'data=QUJD&model=bW9kZWw%3D',
      'a=1&b=2&a=3&a=4',
      'q=a+b%2Bc%20d&empty=&flag',
      'k%C3%A9y=v%C3%A4lue&%3D=%26',
      '&&a=1&&',
      '=orphan&x==y',
      new URLSearchParams({ data: Buffer.from(`${'x'.repeat(5000)}?>~`).toString('base64') }).toString(),
      'pad=QUI%3D&both=%41%2f%c3%a9%3d&ascii=%7E%7f%00end&upper=%2F%2f',
      'last=%41&first=%41bc&only=%25',
    ];
    for (const body of bodies) {
      const expected: Record<string, string | string[]> = {};
      for (const [key, value] of new URLSearchParams(body)) {
        const current = expected[key];
        expected[key] = current === undefined ? value : [...[current].flat(), value];
      }
      expect(plain(parseForm(body)), body).toEqual(expected);
    }
  });

  it('leaves a malformed escape as sent, and has no prototype to pollute', () => {
    expect(plain(parseForm('a=100%&b=%zz+x'))).toEqual({ a: '100%', b: '%zz x' });
    // After escapes that decode, and before a UTF-8 escape: still the whole value as sent.
    expect(plain(parseForm('a=%41%4&b=%41%C3%A9%zz&c=%E9'))).toEqual({
      a: '%41%4',
      b: '%41%C3%A9%zz',
      c: '%E9',
    });
    const form = parseForm('__proto__=x&constructor=y');
    expect(Object.getPrototypeOf(form)).toBeNull();
    expect(Object.entries(form)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('reads a body of many value-less keys (quadratic scanning would outlast the test timeout)', () => {
    expect(parseForm('a&'.repeat(200_000)).a).toHaveLength(200_000);
  });
});
