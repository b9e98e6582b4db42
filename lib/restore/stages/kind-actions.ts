import { copyJson } from '../json-access.js';
import type { RestoreAction } from '../actions/action.js';
import { jobAction } from '../actions/job.js';
import { podAction } from '../actions/pod.js';
import { serviceAction } from '../actions/service.js';
import { persistentVolumeAction, persistentVolumeClaimAction, serviceAccountAction } from '../actions/volumes.js';
import type { Stage, StageResult, TransformContext, TransformItem } from '../types.js';
import { withObject } from '../types.js';

/** The per-kind fixes that always run, in order. */
export const DEFAULT_ACTIONS: readonly RestoreAction[] = [
  serviceAction, podAction, jobAction, persistentVolumeClaimAction, persistentVolumeAction, serviceAccountAction,
];

/** Runs every action that applies to the item's resource on one copy of the object. */
export function runKindActions(item: TransformItem, context: TransformContext,
  actions: readonly RestoreAction[] = DEFAULT_ACTIONS): StageResult {
  const matching = actions.filter((a) => a.appliesTo.includes(item.groupResource));
  if (matching.length === 0) return { item };
  const copy = copyJson(item.object);
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const action of matching) {
    const result = action.run(copy, context) ?? {};
    warnings.push(...(result.warnings ?? []));
    errors.push(...(result.errors ?? []));
  }
  return { item: withObject(item, copy), warnings, errors };
}

/** Stage 2: the per-kind default fixes. */
export const kindActionsStage: Stage = { name: 'kind-actions', run: (item, context) => runKindActions(item, context) };
