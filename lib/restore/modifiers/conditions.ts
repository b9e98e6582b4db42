import type { KubeObject } from '../../model/object.js';
import { compileGlob, type Glob } from '../../spec/glob.js';
import { compileGoRegex, type GoRegex } from '../../spec/go-regex.js';
import { namespaceFilter } from '../../spec/include-exclude.js';
import { matchesLabelSelector } from '../../spec/label-selector.js';
import { PatchApplyError, PatchTestFailedError } from './errors.js';
import { applyJsonPatch } from './json-patch.js';
import type { ModifierConditions } from './types.js';

interface CompiledConditions {
  groupResource: Glob;
  name?: GoRegex;
  namespace: (namespace: string) => boolean;
}

const compiled = new WeakMap<ModifierConditions, CompiledConditions>();

function compile(conditions: ModifierConditions): CompiledConditions {
  let c = compiled.get(conditions);
  if (!c) {
    c = {
      groupResource: compileGlob(conditions.groupResource, { separator: '.' }),
      name: conditions.resourceNameRegex ? compileGoRegex(conditions.resourceNameRegex) : undefined,
      namespace: namespaceFilter(conditions.namespaces ?? []),
    };
    compiled.set(conditions, c);
  }
  return c;
}

/**
 * True when every condition holds for `object` (as it came from the backup) of `groupResource`. A cluster-scoped
 * object (no namespace) skips the namespace test; the name regex is unanchored; a `matches` entry whose path is
 * missing does not match.
 */
export function matchesConditions(conditions: ModifierConditions, object: KubeObject, groupResource: string): boolean {
  const c = compile(conditions);
  const namespace = object.metadata?.namespace ?? '';
  if (namespace !== '' && !c.namespace(namespace)) return false;
  if (!c.groupResource.test(groupResource)) return false;
  if (c.name && !c.name.test(object.metadata?.name ?? '')) return false;
  if (conditions.labelSelector && !matchesLabelSelector(conditions.labelSelector, object.metadata?.labels)) return false;
  if (!conditions.matches?.length) return true;
  try {
    applyJsonPatch(object, conditions.matches.map((m) => ({ op: 'test' as const, path: m.path, value: m.value })));
    return true;
  } catch (err) {
    if (err instanceof PatchTestFailedError || err instanceof PatchApplyError) return false;
    throw err;
  }
}
