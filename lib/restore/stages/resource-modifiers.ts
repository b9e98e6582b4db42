import { applyResourceModifiers } from '../modifiers/index.js';
import type { Stage, StageResult, TransformContext, TransformItem } from '../types.js';
import { withObject } from '../types.js';

/**
 * Applies the restore's resource-modifier rules. Conditions are tested against the object as it came out of
 * the backup (so namespaces are the backup's, before namespaceMapping); patches apply to the object as the
 * earlier stages left it. A failed rule is an error for the object, which is still restored.
 */
export function runResourceModifiers(item: TransformItem, context: TransformContext): StageResult {
  if (!context.modifiers || context.modifiers.rules.length === 0) return { item };
  const result = applyResourceModifiers(item.object, item.original, item.groupResource, context.modifiers, {
    ...(context.crdListMapKeys ? { crdListMapKeys: context.crdListMapKeys } : {}),
    ...(context.targetPatchMeta ? { targetPatchMeta: context.targetPatchMeta } : {}),
  });
  return { item: withObject(item, result.object), errors: result.errors };
}

/** Stage 4: general modifications. */
export const resourceModifiersStage: Stage = { name: 'resource-modifiers', run: runResourceModifiers };
