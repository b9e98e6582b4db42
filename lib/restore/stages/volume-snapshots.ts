import { asRecord, asString, copyJson, recordAt } from '../json-access.js';
import type { Stage, StageResult, TransformContext, TransformItem } from '../types.js';
import { withObject } from '../types.js';
import { SNAPSHOT_GROUP, targetDriver, type VolumeRecord } from '../volumes/records.js';

/** Annotations the source's PV controller set on a claim to name its provisioner; the target's controller sets its own. */
export const PROVISIONER_ANNOTATIONS: readonly string[] = [
  'volume.kubernetes.io/storage-provisioner', 'volume.beta.kubernetes.io/storage-provisioner',
];

/** Thrown for a claim whose snapshot cannot be restored in the target: the pipeline drops the claim with this error. */
export class VolumeRestoreError extends Error {
  override name = 'VolumeRestoreError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The record of a claim item (by its namespace and name in the backup), if its data was snapshotted. */
export function recordOfClaim(item: TransformItem, context: TransformContext): VolumeRecord | undefined {
  if (item.groupResource !== 'persistentvolumeclaims') return undefined;
  const name = asString(asRecord(item.original.metadata)?.name);
  return context.volumes?.byClaim.get(`${item.backupNamespace}/${name ?? ''}`);
}

/**
 * Volume data from CSI snapshots: a claim with a recorded snapshot is provisioned anew from it (its
 * dataSource names the VolumeSnapshot restored beside it; no volumeName, no provisioner annotations), and
 * the PersistentVolume it was bound to is not restored. A claim whose driver the target lacks is dropped with
 * a clear error (VolumeRestoreError) rather than restored empty.
 */
export function restoreVolumeSnapshots(item: TransformItem, context: TransformContext): StageResult {
  const volumes = context.volumes;
  if (!volumes || volumes.byClaim.size === 0) return { item };
  if (item.groupResource === 'persistentvolumes') {
    const ref = recordAt(item.original, 'spec', 'claimRef');
    const record = volumes.byVolume.get(asString(asRecord(item.original.metadata)?.name) ?? '')
      ?? volumes.byClaim.get(`${asString(ref?.namespace) ?? ''}/${asString(ref?.name) ?? ''}`);
    if (!record) return { item };
    return { skip: `its data is restored from snapshot ${record.namespace}/${record.snapshotName}: claim ${record.claim} gets a new volume provisioned from it` };
  }
  const record = recordOfClaim(item, context);
  if (!record) return { item };
  const driver = targetDriver(record, volumes);
  if ('problem' in driver) throw new VolumeRestoreError(driver.problem);
  const object = copyJson(item.object);
  const spec = asRecord(object.spec);
  if (!spec) throw new VolumeRestoreError('the claim has no spec');
  delete spec.volumeName;
  // NOTE: the API server fills dataSourceRef from dataSource; a stale dataSourceRef that differs would be rejected.
  delete spec.dataSourceRef;
  spec.dataSource = { apiGroup: SNAPSHOT_GROUP, kind: 'VolumeSnapshot', name: record.snapshotName };
  const annotations = object.metadata.annotations;
  if (annotations) {
    for (const key of PROVISIONER_ANNOTATIONS) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete object.metadata.annotations;
  }
  return { item: withObject(item, object) };
}

/** Stage 2: claims restored from their CSI snapshots, their volumes left out. */
export const volumeSnapshotsStage: Stage = { name: 'volume-snapshots', run: restoreVolumeSnapshots };
