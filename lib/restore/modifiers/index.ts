// Stage 4 of the restore pipeline: Velero's resource modifiers (general modifications).
export type { ResourceModifiers, ModifierRule, ModifierConditions, MatchCondition, JsonPatchOperation, ModifierPatches } from './types.js';
export { JSON_PATCH_OPERATIONS } from './types.js';
export { parseResourceModifiers, parseResourceModifiersConfigMap } from './parse.js';
export { applyResourceModifiers, type ApplyModifiersOptions, type ApplyModifiersResult } from './apply.js';
export { crdListMapKeysFrom, type CrdListMapKeys } from './crd-schema.js';
export { matchesConditions } from './conditions.js';
export { compileGoRegex, GoRegexSyntaxError, type GoRegex } from '../../spec/go-regex.js';
export { applyJsonPatch, jsonEqual } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge.js';
export { builtInPatchMeta } from './builtin-patch-meta.js';
export { GENERIC_META, type PatchMeta, type FieldPatchMeta } from './patch-meta.js';
export { typeVeleroValue, type TypedValue } from './patch-value.js';
export { PatchApplyError, PatchTestFailedError } from './errors.js';
