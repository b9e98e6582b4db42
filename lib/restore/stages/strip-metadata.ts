import { copyJson } from '../json-access.js';
import { resourceFilter } from '../../spec/include-exclude.js';
import type { RestoreSpec } from '../../spec/restore-spec.js';
import type { Stage, StageResult, TransformItem } from '../types.js';
import { withObject } from '../types.js';

/** Metadata the source's API server set, which the target must set for itself. */
export const SERVER_SET_METADATA: readonly string[] = [
  'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'selfLink', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'managedFields', 'ownerReferences',
];

const statusFilters = new WeakMap<RestoreSpec, (gr: string) => boolean>();

/** True when the restore keeps the status of `groupResource` (Velero's restoreStatus; absent keeps none). */
export function restoresStatusOf(spec: RestoreSpec, groupResource: string): boolean {
  if (!spec.restoreStatus) return false;
  let filter = statusFilters.get(spec);
  if (!filter) {
    filter = resourceFilter(spec.restoreStatus.includedResources, spec.restoreStatus.excludedResources);
    statusFilters.set(spec, filter);
  }
  return filter(groupResource);
}

/** Removes server-set metadata, and status unless restoreStatus includes the item's resource. */
export function stripMetadata(item: TransformItem, spec: RestoreSpec): StageResult {
  const object = copyJson(item.object);
  for (const key of SERVER_SET_METADATA) delete object.metadata[key];
  if (!restoresStatusOf(spec, item.groupResource)) delete object.status;
  return { item: withObject(item, object) };
}

/** Stage 2: strip server-set metadata and status. */
export const stripMetadataStage: Stage = { name: 'strip-metadata', run: (item, context) => stripMetadata(item, context.spec) };
