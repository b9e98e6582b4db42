import { cloneJson, isRecord } from '../../model/object.js';
import { PatchApplyError } from './errors.js';
import type { FieldPatchMeta, PatchMeta } from './patch-meta.js';
import { checkSetElementOrder, elementKind, mergeList, normalizeOrder } from './strategic-list.js';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

/**
 * Applies a Kubernetes strategic merge patch to a copy of `original`, with the patch strategies and merge keys
 * of `meta`. Supports `$patch: replace | delete | merge`, `$retainKeys`, `$setElementOrder/<list>` and
 * `$deleteFromPrimitiveList/<list>`. Neither argument is mutated. Throws PatchApplyError naming the field.
 */
export function applyStrategicMergePatch(original: Record<string, unknown>, patch: Record<string, unknown>, meta: PatchMeta): Record<string, unknown> {
  return mergeMap(cloneJson(original), cloneJson(patch), meta, '');
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** Merges `patch` into `original` in place (both are private copies) and returns the result. */
function mergeMap(original: Record<string, unknown>, patch: Record<string, unknown>, meta: PatchMeta, path: string): Record<string, unknown> {
  if (Object.prototype.hasOwnProperty.call(patch, PATCH)) {
    const directive = patch[PATCH];
    delete patch[PATCH];
    if (directive === 'replace') return mergeMap({}, patch, meta, path);
    if (directive === 'delete') return {};
    if (directive !== 'merge') {
      throw new PatchApplyError(`${path || 'the object'}: unknown $patch directive ${JSON.stringify(directive)} (expected replace, delete or merge)`, path);
    }
  }
  retainKeys(original, patch, path);
  setElementOrder(original, patch, meta, path);
  for (const key of Object.keys(patch).filter((k) => k.startsWith(DELETE_FROM))) {
    deleteFromPrimitiveList(original, key.slice(DELETE_FROM.length), patch[key], join(path, key));
    delete patch[key];
  }
  for (const [key, value] of Object.entries(patch)) {
    const at = join(path, key);
    if (key.startsWith('$')) throw new PatchApplyError(`${at}: unknown strategic merge directive "${key}"`, at);
    if (value === null) {
      delete original[key];
      continue;
    }
    const field = meta.field(key);
    const current = original[key];
    if (!Object.prototype.hasOwnProperty.call(original, key) || kindOf(current) !== kindOf(value)) {
      original[key] = materialize(value, field, at);
    } else if (isRecord(current) && isRecord(value)) {
      original[key] = field.strategy === 'replace' ? mergeMap({}, value, field.meta, at) : mergeMap(current, value, field.meta, at);
    } else if (Array.isArray(current) && Array.isArray(value)) {
      original[key] = field.strategy === 'merge' ? mergeList(current, value, field, at, mergeMap) : materialize(value, field, at);
    } else {
      original[key] = value;
    }
  }
  return original;
}

/** A patch value that has nothing to merge with: directives are applied against nothing and nulls dropped. */
function materialize(value: unknown, field: FieldPatchMeta, path: string): unknown {
  if (isRecord(value)) return mergeMap({}, value, field.meta, path);
  if (!Array.isArray(value)) return value;
  if (field.strategy === 'merge') return mergeList([], value, field, path, mergeMap);
  return value.map((item) => (isRecord(item) ? mergeMap({}, item, field.meta, path) : item));
}

function kindOf(value: unknown): string {
  return Array.isArray(value) ? 'list' : value === null ? 'null' : typeof value;
}

// $retainKeys: keep only the listed keys of the original; every key the patch sets must be listed.
function retainKeys(original: Record<string, unknown>, patch: Record<string, unknown>, path: string): void {
  if (!Object.prototype.hasOwnProperty.call(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  const at = join(path, RETAIN_KEYS);
  if (!Array.isArray(list)) throw new PatchApplyError(`${at}: expected a list of field names`, at);
  const keep = new Set(list);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith(DELETE_FROM) || key.startsWith(SET_ORDER)) continue;
    if (!keep.has(key)) throw new PatchApplyError(`${at}: the patch sets "${key}", so $retainKeys must list it`, at);
  }
  for (const key of Object.keys(original)) if (!keep.has(key)) delete original[key];
}

// $setElementOrder/<list>: merge that list now and order it as the directive says (then the patch's own order,
// then the original's).
function setElementOrder(original: Record<string, unknown>, patch: Record<string, unknown>, meta: PatchMeta, path: string): void {
  for (const key of Object.keys(patch).filter((k) => k.startsWith(SET_ORDER))) {
    const order = patch[key];
    delete patch[key];
    const name = key.slice(SET_ORDER.length);
    const at = join(path, name);
    if (!Array.isArray(order) || name === '') throw new PatchApplyError(`${join(path, key)}: expected "${SET_ORDER}<list>" with a list value`, at);
    const current = original[name];
    const patchList = patch[name];
    if ((current !== undefined && !Array.isArray(current)) || (patchList !== undefined && patchList !== null && !Array.isArray(patchList))) {
      throw new PatchApplyError(`${at}: ${key} applies only to a list`, at);
    }
    if (patchList === null) continue;
    const field = meta.field(name);
    const keys = elementKind([...(current ?? []), ...(patchList ?? []), ...order], at) === 'map' ? field.mergeKeys : [];
    if (patchList) checkSetElementOrder(patchList, order, keys, at);
    let merged: unknown[];
    if (current && patchList) merged = field.strategy === 'merge' ? mergeList(current, patchList, field, at, mergeMap) : materialize(patchList, field, at) as unknown[];
    else if (patchList) merged = materialize(patchList, field, at) as unknown[];
    else if (current) merged = current;
    else continue;
    original[name] = normalizeOrder(merged, order, current ?? [], keys, at);
    delete patch[name];
  }
}

// $deleteFromPrimitiveList/<list>: remove these values from a list of primitives, whatever its strategy.
function deleteFromPrimitiveList(original: Record<string, unknown>, name: string, values: unknown, path: string): void {
  if (!Array.isArray(values) || name === '') throw new PatchApplyError(`${path}: expected "${DELETE_FROM}<list>" with a list of values`, path);
  const current = original[name];
  if (!Array.isArray(current)) return;
  if (elementKind([...current, ...values], path) === 'map') throw new PatchApplyError(`${path}: applies only to a list of primitives`, path);
  original[name] = current.filter((item) => !values.includes(item));
}
