import { ItemTransformError } from '../errors.js';
import { asRecord, asString, copyJson, recordAt } from '../json-access.js';
import type { Stage, StageResult, TransformContext, TransformItem } from '../types.js';
import { withObject } from '../types.js';
import { SNAPSHOT_GROUP, targetDriver, type VolumeRecord } from '../volumes/records.js';

/** Annotations the source's PV controller set on a claim to name its provisioner; the target's controller sets its own. */
export const PROVISIONER_ANNOTATIONS: readonly string[] = [
  'volume.kubernetes.io/storage-provisioner', 'volume.beta.kubernetes.io/storage-provisioner',
];

/** Thrown for a claim whose snapshot cannot be restored in the target: the pipeline drops the claim with this error. */
export class VolumeRestoreError extends ItemTransformError {
  override name = 'VolumeRestoreError';
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
  const warnings = raiseRequestToRestoreSize(spec, record);
  const annotations = object.metadata.annotations;
  if (annotations) {
    for (const key of PROVISIONER_ANNOTATIONS) delete annotations[key];
    if (Object.keys(annotations).length === 0) delete object.metadata.annotations;
  }
  return { item: withObject(item, object), warnings };
}

const QUANTITY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const FACTORS: Record<string, number> = {
  '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** Bytes of a storage quantity such as `20Gi` or `500M`; undefined for forms this reader does not know. */
export function quantityBytes(quantity: string): number | undefined {
  const match = QUANTITY.exec(quantity.trim());
  return match ? Number(match[1]) * FACTORS[match[2] ?? '']! : undefined;
}

/** NOTE: a volume provisioned from a snapshot must be at least the snapshot's size; a smaller request is raised to it. */
function raiseRequestToRestoreSize(spec: Record<string, unknown>, record: VolumeRecord): string[] {
  const requests = recordAt(spec, 'resources', 'requests');
  const requested = asString(requests?.storage);
  const bytes = requested === undefined ? undefined : quantityBytes(requested);
  if (!requests || record.restoreSize === undefined || bytes === undefined || bytes >= record.restoreSize) return [];
  requests.storage = String(record.restoreSize);
  return [`storage request ${requested} is smaller than snapshot ${record.snapshotName} (${record.restoreSize} bytes): raised to its size`];
}

/** Stage 2: claims restored from their CSI snapshots, their volumes left out. */
export const volumeSnapshotsStage: Stage = { name: 'volume-snapshots', run: restoreVolumeSnapshots };
