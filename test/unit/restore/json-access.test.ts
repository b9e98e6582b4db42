import { describe, expect, it } from 'vitest';
import { copyJson } from '../../../lib/restore/json-access.js';

describe('copyJson', () => {
  it('copies nested objects and arrays so that changing the copy leaves the original alone', () => {
    const original = { a: [1, { b: 'x' }], c: { d: null, e: true } };
    const copy = copyJson(original);
    expect(copy).toEqual(original);
    (copy.a[1] as { b: string }).b = 'y';
    copy.c.e = false;
    expect(original).toEqual({ a: [1, { b: 'x' }], c: { d: null, e: true } });
  });

  it('keeps a "__proto__" key of untrusted JSON as a plain key instead of changing the prototype', () => {
    const copy = copyJson(JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(copy)).toEqual(['__proto__']);
  });
});
