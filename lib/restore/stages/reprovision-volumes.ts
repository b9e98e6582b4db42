import { asRecord, asString, copyJson } from '../json-access.js';
import type { Stage, StageResult, TransformContext, TransformItem } from '../types.js';
import { withObject } from '../types.js';
import type { RestoreVolumes } from '../volumes/records.js';
import { PROVISIONER_ANNOTATIONS } from './volume-snapshots.js';

/**
 * The PersistentVolumes of a backup that the restore leaves to the target's provisioner, as Velero does: a volume
 * whose reclaim policy is Delete and whose data has no snapshot was made by a provisioner for its claim, and its
 * source (a disk of another cluster, a node's folder) means nothing in the target. Volumes with another policy
 * (Retain, Recycle) are restored as they were: someone made them by hand and they may name storage both clusters see.
 */
export function volumesToReprovision(items: Iterable<TransformItem>, volumes?: RestoreVolumes): Set<string> {
  const names = new Set<string>();
  for (const item of items) {
    if (item.groupResource !== 'persistentvolumes') continue;
    const name = asString(asRecord(item.original.metadata)?.name);
    const spec = asRecord(item.original.spec);
    if (!name || asString(spec?.persistentVolumeReclaimPolicy) !== 'Delete') continue;
    const ref = asRecord(spec?.claimRef);
    const snapshotted = volumes?.byVolume.has(name) || volumes?.byClaim.has(`${asString(ref?.namespace) ?? ''}/${asString(ref?.name) ?? ''}`);
    if (!snapshotted) names.add(name);
  }
  return names;
}

/**
 * Stage 2: a volume to re-provision is not restored, and a claim bound to one loses its binding (volumeName and the
 * source provisioner's annotations) so that the target's provisioner gives it a new, empty volume of its class.
 */
export function reprovisionVolumes(item: TransformItem, context: TransformContext): StageResult {
  const names = context.reprovisionVolumes;
  if (!names || names.size === 0) return { item };
  if (item.groupResource === 'persistentvolumes') {
    const name = asString(asRecord(item.original.metadata)?.name) ?? '';
    if (!names.has(name)) return { item };
    return { skip: 'its reclaim policy is Delete and its data has no snapshot: the target provisions a new volume for its claim' };
  }
  if (item.groupResource !== 'persistentvolumeclaims') return { item };
  const volumeName = asString(asRecord(item.object.spec)?.volumeName);
  if (!volumeName || !names.has(volumeName)) return { item };
  const object = copyJson(item.object);
  delete asRecord(object.spec)!.volumeName;
  const annotations = object.metadata.annotations;
  if (annotations) {
    for (const key of PROVISIONER_ANNOTATIONS) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete object.metadata.annotations;
  }
  return { item: withObject(item, object) };
}

/** Stage 2: dynamically provisioned volumes without snapshots provisioned anew in the target. */
export const reprovisionVolumesStage: Stage = { name: 'reprovision-volumes', run: reprovisionVolumes };
