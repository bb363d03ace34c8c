import { describe, expect, it } from 'vitest';
import { forbiddenKeyPath } from './forbidden-key.js';

describe('forbiddenKeyPath', () => {
  it('names where a prototype key sits, in objects and arrays', () => {
    expect(forbiddenKeyPath('{"variables":{"v":8,"__proto__":8}}')).toBe('variables.__proto__');
    expect(forbiddenKeyPath('{"mostres":[{"values":{}},{"constructor":{"prototype":{"x":1}}}]}')).toBe(
      'mostres[1].constructor.prototype',
    );
    expect(forbiddenKeyPath('{"__proto__":{"polluted":1}}')).toBe('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('finds nothing in bodies without one (a constructor key alone is a plain name)', () => {
    expect(forbiddenKeyPath('{"variables":{"constructor":8,"proto":1}}')).toBeUndefined();
    expect(forbiddenKeyPath('[1,"__proto__",null]')).toBeUndefined();
  });
});
