import { asRecord, asString, recordsOf, copyJson } from '../json-access.js';
import type { Stage, StageResult, TransformContext, TransformItem } from '../types.js';
import { withObject } from '../types.js';

/** The annotation that named a claim's class before spec.storageClassName existed; still honoured. */
export const LEGACY_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/**
 * storageClassMapping: renames the storage class of PersistentVolumeClaims and PersistentVolumes (the field
 * and the legacy annotation) and of StatefulSet volumeClaimTemplates.
 */
export function mapStorageClasses(item: TransformItem, context: TransformContext): StageResult {
  const mapping = context.spec.storageClassMapping;
  if (Object.keys(mapping).length === 0) return { item };
  const object = copyJson(item.object);
  let changed = 0;
  const mapClaim = (claim: { spec?: unknown; metadata?: unknown }): void => {
    const spec = asRecord(claim.spec);
    const from = asString(spec?.storageClassName);
    if (spec && from !== undefined && mapping[from]) {
      spec.storageClassName = mapping[from];
      changed++;
    }
    const annotations = asRecord(asRecord(claim.metadata)?.annotations);
    const legacy = asString(annotations?.[LEGACY_STORAGE_CLASS_ANNOTATION]);
    if (annotations && legacy !== undefined && mapping[legacy]) {
      annotations[LEGACY_STORAGE_CLASS_ANNOTATION] = mapping[legacy];
      changed++;
    }
  };
  if (item.groupResource === 'persistentvolumeclaims' || item.groupResource === 'persistentvolumes') mapClaim(object);
  else if (item.groupResource === 'statefulsets.apps') recordsOf(asRecord(object.spec)?.volumeClaimTemplates).forEach(mapClaim);
  return changed > 0 ? { item: withObject(item, object) } : { item };
}

/** Stage 3: storageClassMapping. */
export const storageClassMappingStage: Stage = { name: 'storage-class-mapping', run: mapStorageClasses };
