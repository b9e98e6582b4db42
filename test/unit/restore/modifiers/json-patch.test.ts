import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch, PatchApplyError, PatchTestFailedError, type JsonPatchOperation } from '../../../../lib/restore/modifiers/index.js';

const doc = (): Record<string, unknown> => ({ a: { b: 1, list: ['x', 'y'] }, s: 'text', n: null });

describe('applyJsonPatch', () => {
  it.each<[string, JsonPatchOperation[], unknown]>([
    ['add sets a new key and replaces an existing one', [{ op: 'add', path: '/a/c', value: 2 }, { op: 'add', path: '/s', value: 'new' }], { a: { b: 1, c: 2, list: ['x', 'y'] }, s: 'new', n: null }],
    ['add inserts into a list at an index, and "-" appends', [{ op: 'add', path: '/a/list/0', value: 'w' }, { op: 'add', path: '/a/list/-', value: 'z' }], { a: { b: 1, list: ['w', 'x', 'y', 'z'] }, s: 'text', n: null }],
    ['remove deletes a key and a list item', [{ op: 'remove', path: '/a/b' }, { op: 'remove', path: '/a/list/0' }], { a: { list: ['y'] }, s: 'text', n: null }],
    ['replace of a key that holds null works because the key exists', [{ op: 'replace', path: '/n', value: 1 }], { a: { b: 1, list: ['x', 'y'] }, s: 'text', n: 1 }],
    ['move relocates a value and copy duplicates one deeply', [{ op: 'move', from: '/s', path: '/t' }, { op: 'copy', from: '/a', path: '/c' }], { a: { b: 1, list: ['x', 'y'] }, n: null, t: 'text', c: { b: 1, list: ['x', 'y'] } }],
    ['a pointer with ~1 and ~0 reaches keys with / and ~', [{ op: 'add', path: '/a/k~1v~0', value: true }], { a: { b: 1, list: ['x', 'y'], 'k/v~': true }, s: 'text', n: null }],
    ['test compares JSON values deeply, numbers by value', [{ op: 'test', path: '/a', value: { list: ['x', 'y'], b: 1.0 } }], doc()],
    ['test for null passes on a missing key whose parent exists, as in evanphx/json-patch', [{ op: 'test', path: '/a/missing', value: null }], doc()],
  ])('%s', (_name, operations, expected) => {
    const input = doc();
    expect(applyJsonPatch(input, operations)).toEqual(expected);
    expect(input).toEqual(doc());
  });

  it.each<[string, JsonPatchOperation[], RegExp]>([
    ['remove of a missing key', [{ op: 'remove', path: '/a/zz' }], /^patches\[0\] remove \/a\/zz: the path does not exist$/],
    ['replace of a list index past the end', [{ op: 'replace', path: '/a/list/2', value: 'q' }], /patches\[0\] replace \/a\/list\/2: the path does not exist/],
    ['add under a missing parent', [{ op: 'add', path: '/x/y', value: 1 }], /patches\[0\] add \/x\/y: the parent of this path does not exist/],
    ['add at a list index past the end', [{ op: 'add', path: '/a/list/5', value: 1 }], /index "5" is out of range for a list of 2/],
    ['move from a missing path', [{ op: 'add', path: '/k', value: 1 }, { op: 'move', from: '/nope', path: '/k2' }], /^patches\[1\] move \/k2 from \/nope: the "from" path \/nope does not exist/],
    ['move into a child of itself', [{ op: 'move', from: '/a', path: '/a/b/c' }], /cannot move a value into one of its own children/],
  ])('%s fails with a message naming the operation and its path', (_name, operations, message) => {
    expect(() => applyJsonPatch(doc(), operations)).toThrow(PatchApplyError);
    expect(() => applyJsonPatch(doc(), operations)).toThrow(message);
  });

  it.each<[string, JsonPatchOperation]>([
    ['a different value', { op: 'test', path: '/s', value: 'other' }],
    ['a number against its text', { op: 'test', path: '/a/b', value: '1' }],
    ['a missing key with a non-null value', { op: 'test', path: '/a/zz', value: 'x' }],
    ['a path whose parent is missing', { op: 'test', path: '/q/r', value: 'x' }],
  ])('test fails as a test failure (not an error) for %s', (_name, operation) => {
    expect(() => applyJsonPatch(doc(), [operation])).toThrow(PatchTestFailedError);
  });
});

describe('applyMergePatch (RFC 7386)', () => {
  it.each([
    ['null deletes a key', { a: 1, b: 2 }, { b: null }, { a: 1 }],
    ['objects merge recursively', { a: { x: 1, y: 2 } }, { a: { y: 3, z: 4 } }, { a: { x: 1, y: 3, z: 4 } }],
    ['lists are replaced whole', { l: [1, 2, 3] }, { l: [4] }, { l: [4] }],
    ['an object replaces a scalar, and nulls inside a new object are dropped', { a: 'text' }, { a: { b: null, c: 1 } }, { a: { c: 1 } }],
    ['deleting a key that is not there changes nothing', { a: 1 }, { zz: null }, { a: 1 }],
  ])('%s', (_name, target, patch, expected) => {
    const before = JSON.stringify(target);
    expect(applyMergePatch(target, patch)).toEqual(expected);
    expect(JSON.stringify(target)).toBe(before);
  });
});
