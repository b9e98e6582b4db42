import { isRecord } from '../../model/object.js';
import { PatchApplyError } from './errors.js';
import type { FieldPatchMeta, PatchMeta } from './patch-meta.js';

/** Merges one patch map into one original map (strategic-merge.ts); lists call back into it for their elements. */
export type MergeMap = (original: Record<string, unknown>, patch: Record<string, unknown>, meta: PatchMeta, path: string) => Record<string, unknown>;

const DIRECTIVE = '$patch';

/** The identity of a list element: the value itself for primitives, the merge-key values for objects. */
export function identityOf(item: unknown, keys: readonly string[], path: string): unknown {
  if (!isRecord(item)) return item;
  if (keys.length === 0) throw new PatchApplyError(`${path}: cannot merge a list of objects without a merge key`, path);
  if (!keys.some((k) => Object.prototype.hasOwnProperty.call(item, k))) {
    throw new PatchApplyError(`${path}: an element has no merge key ${keys.map((k) => `"${k}"`).join(' or ')}: ${JSON.stringify(item)}`, path);
  }
  return keys.length === 1 ? item[keys[0]!] : JSON.stringify(keys.map((k) => item[k] ?? null));
}

function indexIn(list: readonly unknown[], item: unknown, keys: readonly string[], path: string): number {
  const id = identityOf(item, keys, path);
  return list.findIndex((other) => identityOf(other, keys, path) === id);
}

/** Checks that every element has the same JSON kind, and that none is a list (Kubernetes has no lists of lists). */
export function elementKind(items: readonly unknown[], path: string): 'map' | 'scalar' | undefined {
  let kind: string | undefined;
  for (const item of items) {
    const k = Array.isArray(item) ? 'list' : item === null ? 'null' : typeof item;
    if (k === 'list') throw new PatchApplyError(`${path}: lists of lists cannot be merged`, path);
    if (kind !== undefined && kind !== k) throw new PatchApplyError(`${path}: list elements are not all of one type`, path);
    kind = k;
  }
  return kind === undefined ? undefined : kind === 'object' ? 'map' : 'scalar';
}

/**
 * Merges a patch list into an original list field whose strategy is `merge`: primitives as an ordered set,
 * objects by merge key, with `$patch: delete | replace` elements and `$deleteFromPrimitiveList` handled by
 * the caller. Kubernetes' order: patch items in patch order, interleaved with the items only the original has.
 */
export function mergeList(original: unknown[], patch: unknown[], field: FieldPatchMeta, path: string, mergeMap: MergeMap): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind([...original, ...patch], path);
  const keys = field.mergeKeys;
  if (kind !== 'map') {
    const merged = [...original];
    for (const item of patch) if (!merged.includes(item)) merged.push(item);
    return normalizeOrder(merged, patch, original, [], path);
  }
  let base = original;
  let items: Record<string, unknown>[] = [];
  let replace = false;
  for (const element of patch as Record<string, unknown>[]) {
    if (!Object.prototype.hasOwnProperty.call(element, DIRECTIVE)) {
      items.push(element);
      continue;
    }
    const directive = element[DIRECTIVE];
    if (directive === 'delete') {
      const id = identityOf(element, keys, path);
      base = base.filter((o) => identityOf(o, keys, path) !== id);
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      const { [DIRECTIVE]: _merge, ...rest } = element;
      items.push(rest);
    } else {
      throw new PatchApplyError(`${path}: unknown $patch directive ${JSON.stringify(directive)} in a list element (expected delete, replace or merge)`, path);
    }
  }
  if (replace) {
    base = items.map((item) => mergeMap({}, item, field.meta, path));
    items = [];
  }
  const merged = [...base];
  for (const item of items) {
    const at = indexIn(merged, item, keys, path);
    if (at >= 0) merged[at] = mergeMap(merged[at] as Record<string, unknown>, item, field.meta, path);
    else merged.push(mergeMap({}, item, field.meta, path));
  }
  return normalizeOrder(merged, items, base, keys, path);
}

/**
 * Kubernetes' element order after a merge: split `merged` into items named by `patchOrder` (sorted that way)
 * and server-only items (sorted as in `serverOrder`), then interleave them: a server-only item goes first only
 * when both it and the next patch item are in `serverOrder` and it comes before that item there. So a new item
 * lands before the original's remaining items, as `kubectl patch` shows.
 */
export function normalizeOrder(merged: readonly unknown[], patchOrder: readonly unknown[], serverOrder: readonly unknown[], keys: readonly string[], path: string): unknown[] {
  const at = (list: readonly unknown[], item: unknown): number => indexIn(list, item, keys, path);
  const patchItems = merged.filter((item) => at(patchOrder, item) >= 0);
  const serverOnly = merged.filter((item) => at(patchOrder, item) < 0);
  const byOrder = (order: readonly unknown[]) => (a: unknown, b: unknown): number => at(order, a) - at(order, b);
  patchItems.sort(byOrder(patchOrder));
  serverOnly.sort(byOrder(serverOrder));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patchItems.length) {
    if (j >= patchItems.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(patchItems[j++]);
    else {
      const li = at(serverOrder, serverOnly[i]);
      const ri = at(serverOrder, patchItems[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
      else out.push(patchItems[j++]);
    }
  }
  return out;
}

/** Checks that a patch list names its items in the same relative order as its `$setElementOrder` list. */
export function checkSetElementOrder(patchList: readonly unknown[], order: readonly unknown[], keys: readonly string[], path: string): void {
  const items = patchList.filter((item) => !(isRecord(item) && Object.prototype.hasOwnProperty.call(item, DIRECTIVE)));
  let p = 0;
  for (let o = 0; o < order.length && p < items.length; o++) {
    if (identityOf(items[p], keys, path) === identityOf(order[o], keys, path)) p++;
  }
  if (p < items.length) {
    throw new PatchApplyError(`${path}: the patch list names ${JSON.stringify(items[p])} out of the order its $setElementOrder list gives`, path);
  }
}
