import type { LabelSelector } from '../../spec/label-selector.js';

/** Velero's resource modifiers (`version: v1`): rules applied in order to every restored object. */
export interface ResourceModifiers {
  version: 'v1';
  rules: ModifierRule[];
}

/** One `resourceModifierRules` entry: which objects (conditions) and what to change (exactly one patch kind). */
export interface ModifierRule {
  conditions: ModifierConditions;
  patches: ModifierPatches;
}

/** Velero's conditions; every one given must hold for the rule to apply. */
export interface ModifierConditions {
  /** Glob over `resource.group` (`deployments.apps`, `pods`); `*` does not cross a `.`, `**` does. */
  groupResource: string;
  /** Unanchored regular expression over the object's name, in Go's RE2 syntax (lib/spec/go-regex.ts). */
  resourceNameRegex?: string;
  /** Globs over the namespace in the backup; empty means every namespace. Cluster-scoped objects skip this test. */
  namespaces?: string[];
  labelSelector?: LabelSelector;
  /** JSON-pointer paths whose values must equal the given (Velero-typed) values. */
  matches?: MatchCondition[];
}

/** One `matches` entry: the value at `path` (RFC 6901) must equal `value`. */
export interface MatchCondition {
  path: string;
  value: unknown;
}

/** An RFC 6902 operation with its value already typed the way Velero types it. */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** The one kind of patch a rule carries. */
export type ModifierPatches =
  | { type: 'json'; operations: JsonPatchOperation[] }
  | { type: 'merge'; patches: Record<string, unknown>[] }
  | { type: 'strategic'; patches: Record<string, unknown>[] };

/** The JSON patch operation names Velero accepts. */
export const JSON_PATCH_OPERATIONS = ['add', 'remove', 'replace', 'test', 'move', 'copy'] as const;
