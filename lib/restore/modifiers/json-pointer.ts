import { isRecord } from '../../model/object.js';
import { PatchApplyError } from './errors.js';

/** Splits an RFC 6901 pointer (`/a/b~1c`) into unescaped tokens (`['a', 'b/c']`); `''` is the whole document. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchApplyError(`"${pointer}" is not a JSON pointer: it must start with "/"`, pointer);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Where a pointer leads: the container that holds the last token, and that token. */
export interface PointerTarget {
  parent: Record<string, unknown> | unknown[];
  key: string;
}

/**
 * Resolves every token but the last; undefined when a container on the way is missing or is a scalar
 * (the "doc is missing path" case of evanphx/json-patch, which Velero uses).
 */
export function resolveParent(doc: unknown, tokens: readonly string[]): PointerTarget | undefined {
  let node: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    node = childOf(node, token);
    if (node === undefined) return undefined;
  }
  if (!isRecord(node) && !Array.isArray(node)) return undefined;
  return { parent: node, key: tokens[tokens.length - 1]! };
}

/** The value at `token` inside a container, or undefined when there is none. */
export function childOf(node: unknown, token: string): unknown {
  if (Array.isArray(node)) {
    const i = arrayIndex(token, node.length - 1);
    return i === undefined ? undefined : node[i];
  }
  if (isRecord(node) && Object.prototype.hasOwnProperty.call(node, token)) return node[token];
  return undefined;
}

/** The value at a pointer, or undefined when the path does not exist. */
export function getAt(doc: unknown, pointer: string): unknown {
  let node: unknown = doc;
  for (const token of parsePointer(pointer)) {
    node = childOf(node, token);
    if (node === undefined) return undefined;
  }
  return node;
}

/** Parses an array index token: decimal digits, at most `max`; undefined otherwise. */
export function arrayIndex(token: string, max: number): number | undefined {
  if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
  const i = Number(token);
  return i <= max ? i : undefined;
}
