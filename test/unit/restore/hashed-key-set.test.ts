import { describe, expect, it } from 'vitest';
import { HashedKeySet } from '../../../lib/restore/hashed-key-set.js';

describe('the hashed key set', () => {
  it('knows every key added, through many growths, and no other', () => {
    const set = new HashedKeySet();
    const keys = Array.from({ length: 5_000 }, (_, i) => `configmaps ns-${i % 20}/cm-${i}`);
    expect(keys.every((k) => set.add(k))).toBe(true);
    expect(set.size).toBe(5_000);
    expect(keys.every((k) => set.has(k))).toBe(true);
    expect(keys.some((k) => set.has(`${k}x`))).toBe(false);
  });

  it.each([
    ['a key added twice is there once', ['a', 'a'], [true, false], 1],
    ['the empty string is a key like any other', ['', 'b'], [true, true], 2],
  ])('%s', (_name, keys, added, size) => {
    const set = new HashedKeySet();
    expect(keys.map((k) => set.add(k))).toEqual(added);
    expect(set.size).toBe(size);
  });
});
