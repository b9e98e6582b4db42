import { cloneJson, isRecord } from '../../model/object.js';
import { PatchApplyError, PatchTestFailedError } from './errors.js';
import { arrayIndex, childOf, parsePointer, resolveParent, type PointerTarget } from './json-pointer.js';
import type { JsonPatchOperation } from './types.js';

/**
 * Applies RFC 6902 operations in order to a copy of `doc` and returns the copy; `doc` is never mutated.
 * Throws PatchTestFailedError when a `test` does not hold (Velero then skips the rule silently) and
 * PatchApplyError naming the operation's index, name and path for any other failure.
 */
export function applyJsonPatch<T>(doc: T, operations: readonly JsonPatchOperation[]): T {
  let result: unknown = cloneJson(doc);
  operations.forEach((operation, i) => {
    try {
      result = applyOperation(result, operation);
    } catch (err) {
      if (err instanceof PatchApplyError) {
        const from = 'from' in operation ? ` from ${operation.from}` : '';
        throw new PatchApplyError(`patches[${i}] ${operation.op} ${operation.path}${from}: ${err.message}`, operation.path, { cause: err });
      }
      throw err;
    }
  });
  return result as T;
}

function applyOperation(doc: unknown, operation: JsonPatchOperation): unknown {
  switch (operation.op) {
    case 'add': return add(doc, operation.path, cloneJson(operation.value));
    case 'remove': return remove(doc, operation.path).doc;
    case 'replace': {
      const target = existing(doc, operation.path);
      if (target === 'root') return cloneJson(operation.value);
      setExisting(target, cloneJson(operation.value));
      return doc;
    }
    case 'move': {
      if (operation.path === operation.from) return doc;
      if (operation.path.startsWith(`${operation.from}/`)) throw new PatchApplyError('cannot move a value into one of its own children');
      const { doc: without, value } = remove(doc, operation.from, 'from');
      return add(without, operation.path, value);
    }
    case 'copy': {
      const target = existing(doc, operation.from, 'from');
      const value = target === 'root' ? doc : childOf(target.parent, target.key);
      return add(doc, operation.path, cloneJson(value));
    }
    case 'test': test(doc, operation.path, operation.value); return doc;
  }
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const target = resolveParent(doc, tokens);
  if (!target) throw new PatchApplyError('the parent of this path does not exist (add creates only the last key)');
  const { parent, key } = target;
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : arrayIndex(key, parent.length);
    if (index === undefined) throw new PatchApplyError(`index "${key}" is out of range for a list of ${parent.length} (use "-" to append)`);
    parent.splice(index, 0, value);
  } else {
    parent[key] = value;
  }
  return doc;
}

function remove(doc: unknown, path: string, role = 'path'): { doc: unknown; value: unknown } {
  const target = existing(doc, path, role);
  if (target === 'root') return { doc: null, value: doc };
  const { parent, key } = target;
  if (Array.isArray(parent)) {
    const [value] = parent.splice(Number(key), 1);
    return { doc, value };
  }
  const value = parent[key];
  delete parent[key];
  return { doc, value };
}

/** The container and key of a value that must exist, or 'root' for the whole document. */
function existing(doc: unknown, path: string, role = 'path'): PointerTarget | 'root' {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return 'root';
  const target = resolveParent(doc, tokens);
  if (!target || childOf(target.parent, target.key) === undefined) {
    throw new PatchApplyError(role === 'from' ? `the "from" path ${path} does not exist` : 'the path does not exist');
  }
  return target;
}

function setExisting(target: PointerTarget, value: unknown): void {
  if (Array.isArray(target.parent)) target.parent[Number(target.key)] = value;
  else target.parent[target.key] = value;
}

function test(doc: unknown, path: string, expected: unknown): void {
  const tokens = parsePointer(path);
  const target = tokens.length === 0 ? undefined : resolveParent(doc, tokens);
  const actual = tokens.length === 0 ? doc : target && childOf(target.parent, target.key);
  // NOTE: evanphx/json-patch (Velero's library) lets a test for null pass on a missing key whose parent exists.
  if (actual === undefined && target && expected === null) return;
  if (actual === undefined || !jsonEqual(actual, expected)) throw new PatchTestFailedError(path);
}

/** Deep equality of JSON values: numbers by value, objects by their key sets, arrays in order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isRecord(a)) {
    if (!isRecord(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}
