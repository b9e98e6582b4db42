import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../lib/cli/transform-diff.js';

const lines = (...l: string[]) => `${l.join('\n')}\n`;

describe('unifiedDiff', () => {
  it('returns nothing for equal texts', () => {
    expect(unifiedDiff(lines('a', 'b'), lines('a', 'b'), 'x', 'y')).toBe('');
  });

  it('prints separate hunks for changes more than twice the context apart, as GNU diff -u does', () => {
    const before = lines('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k');
    const after = lines('a', 'B', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l');
    expect(unifiedDiff(before, after, 'x', 'y')).toBe(lines('--- x', '+++ y',
      '@@ -1,5 +1,5 @@', ' a', '-b', '+B', ' c', ' d', ' e',
      '@@ -9,3 +9,4 @@', ' i', ' j', ' k', '+l'));
  });

  it('merges changes at most twice the context apart into one hunk, and splits the others', () => {
    expect(unifiedDiff(lines('a', 'b', 'c', 'e'), lines('A', 'b', 'c', 'E'), 'x', 'y', 1)).toBe(lines('--- x', '+++ y',
      '@@ -1,4 +1,4 @@', '-a', '+A', ' b', ' c', '-e', '+E'));
    expect(unifiedDiff(lines('a', 'b', 'c', 'd', 'e'), lines('A', 'b', 'c', 'd', 'E'), 'x', 'y', 1)).toBe(lines('--- x', '+++ y',
      '@@ -1,2 +1,2 @@', '-a', '+A', ' b', '@@ -4,2 +4,2 @@', ' d', '-e', '+E'));
  });

  it.each([
    ['an insertion into an empty text', '', lines('a'), '@@ -0,0 +1 @@'],
    ['a deletion of everything', lines('a', 'b'), '', '@@ -1,2 +0,0 @@'],
  ])('numbers the ranges of %s', (_name, before, after, header) => {
    expect(unifiedDiff(before, after, 'x', 'y').split('\n')[2]).toBe(header);
  });
});
