import { cloneJson, gvkOf, isRecord, type KubeObject } from '../../model/object.js';
import { builtInPatchMeta } from './builtin-patch-meta.js';
import { matchesConditions } from './conditions.js';
import type { CrdListMapKeys } from './crd-schema.js';
import { PatchApplyError, PatchTestFailedError } from './errors.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import type { PatchMeta } from './patch-meta.js';
import { applyStrategicMergePatch } from './strategic-merge.js';
import type { ModifierRule, ResourceModifiers } from './types.js';

/** Options of applyResourceModifiers. */
export interface ApplyModifiersOptions {
  /** Schemas of the custom resources known from CRDs, so that strategic patches can merge their lists. */
  crdListMapKeys?: CrdListMapKeys;
  /** The target's own metadata of built-in kinds (from its OpenAPI v3); the built-in table when it has none. */
  targetPatchMeta?: (group: string, version: string, kind: string) => PatchMeta | undefined;
}

/** What applying every rule to one object gave. */
export interface ApplyModifiersResult {
  object: KubeObject;
  /** One message per failed rule, naming the rule index, the operation and the path; the object is still restored. */
  errors: string[];
  /** Indexes of the rules that matched and were applied. */
  applied: number[];
}

/**
 * Applies every rule, in order, to one object. Conditions are tested against `original` (as it came from the
 * backup, in the backup's namespace) while patches accumulate on `current`. Never mutates its inputs. A failed
 * JSON-patch `test` skips that rule silently; any other failure is an error message and that rule leaves the
 * object unchanged.
 */
export function applyResourceModifiers(
  current: KubeObject,
  original: KubeObject,
  groupResource: string,
  modifiers: ResourceModifiers,
  options: ApplyModifiersOptions = {},
): ApplyModifiersResult {
  let object = cloneJson(current);
  const errors: string[] = [];
  const applied: number[] = [];
  modifiers.rules.forEach((rule, index) => {
    if (!matchesConditions(rule.conditions, original, groupResource)) return;
    const label = `resourceModifierRules[${index}]`;
    try {
      object = applyRule(object, rule, options);
      applied.push(index);
    } catch (err) {
      if (err instanceof PatchTestFailedError) return;
      if (err instanceof PatchApplyError) errors.push(`${label}: ${err.message}`);
      else throw err;
    }
  });
  return { object, errors, applied };
}

/** Applies one rule's patches to a private copy; throws and leaves `object` alone on any failure. */
function applyRule(object: KubeObject, rule: ModifierRule, options: ApplyModifiersOptions): KubeObject {
  const patches = rule.patches;
  let result: unknown;
  if (patches.type === 'json') {
    result = applyJsonPatch(object, patches.operations);
  } else if (patches.type === 'merge') {
    result = patches.patches.reduce<unknown>((doc, patch) => applyMergePatch(doc, patch), object);
  } else {
    const meta = strategicMetaFor(object, options);
    result = patches.patches.reduce<Record<string, unknown>>((doc, patch, i) => {
      try {
        return applyStrategicMergePatch(doc, patch, meta);
      } catch (err) {
        if (err instanceof PatchApplyError) throw new PatchApplyError(`strategicPatches[${i}]: ${err.message}`, err.where, { cause: err });
        throw err;
      }
    }, object);
  }
  return checkStillAnObject(result, patches.type);
}

function strategicMetaFor(object: KubeObject, options: ApplyModifiersOptions): PatchMeta {
  const { group, version, kind } = gvkOf(object);
  const meta = options.crdListMapKeys?.patchMeta(group, kind, version) ?? options.targetPatchMeta?.(group, version, kind)
    ?? builtInPatchMeta(group, kind);
  if (meta) return meta;
  throw new PatchApplyError(
    `strategicPatches: ${kind}.${group || 'core'} is a custom resource and its CustomResourceDefinition was found neither ` +
    'in the backup nor in the target cluster, so its list merge keys are unknown; use mergePatches or JSON patches for it',
  );
}

function checkStillAnObject(result: unknown, type: string): KubeObject {
  const kind = type === 'json' ? 'patches' : type === 'merge' ? 'mergePatches' : 'strategicPatches';
  if (!isRecord(result) || typeof result.apiVersion !== 'string' || typeof result.kind !== 'string' || !isRecord(result.metadata)) {
    throw new PatchApplyError(`${kind}: the result is no longer a Kubernetes object (it needs apiVersion, kind and metadata)`);
  }
  return result as KubeObject;
}
