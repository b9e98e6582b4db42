import { isRecord, type KubeObject } from '../../model/object.js';
import { asRecord, asString } from '../json-access.js';

/** The snapshot API's group and version (external-snapshotter v1). */
export const SNAPSHOT_GROUP = 'snapshot.storage.k8s.io';

/** Velero's annotations on a recorded VolumeSnapshot (Ferry writes them too). */
const HANDLE_ANNOTATION = 'velero.io/csi-volumesnapshot-handle';
const DRIVER_ANNOTATION = 'velero.io/csi-driver-name';
const RESTORE_SIZE_ANNOTATION = 'velero.io/csi-volumesnapshot-restore-size';
const VOLUME_ANNOTATION = 'ferry.dev/source-persistent-volume';

/** One volume snapshot of the backup, as the restore needs it. */
export interface VolumeRecord {
  /** The claim's namespace and name in the backup. */
  namespace: string;
  claim: string;
  /** The VolumeSnapshot's name in the backup (the restored one keeps it, in the mapped namespace). */
  snapshotName: string;
  handle: string;
  driver: string;
  /** Bytes, when recorded. */
  restoreSize?: number;
  /** The PersistentVolume the snapshot was taken of, when recorded. */
  volume?: string;
}

/** What the restore knows about volume data: the records by claim and by volume, and the target's CSI drivers. */
export interface RestoreVolumes {
  /** Records by `namespace/claim` in the backup. */
  byClaim: ReadonlyMap<string, VolumeRecord>;
  /** Records by the source PersistentVolume's name, where recorded. */
  byVolume: ReadonlyMap<string, VolumeRecord>;
  /** The target's CSI driver names; undefined when they could not be read (then they are not checked). */
  targetDrivers?: readonly string[];
  /** Recorded driver to target driver (the restore spec's csiDriverMapping). */
  driverMapping: Readonly<Record<string, string>>;
}

/**
 * Reads Velero's csi-volumesnapshots and csi-volumesnapshotcontents lists into records: the handle and
 * driver come from the snapshot's annotations, else from its bound content. Entries without a claim, a
 * handle or a driver are reported and left out.
 */
export function readVolumeRecords(snapshots: unknown, contents: unknown): { records: VolumeRecord[]; problems: string[] } {
  const problems: string[] = [];
  const records: VolumeRecord[] = [];
  const contentByName = new Map<string, KubeObject>();
  for (const c of Array.isArray(contents) ? contents : []) {
    if (isRecord(c) && isRecord(c.metadata) && typeof c.metadata.name === 'string') contentByName.set(c.metadata.name, c as KubeObject);
  }
  if (!Array.isArray(snapshots)) return { records, problems: ['the csi-volumesnapshots file is not a list'] };
  for (const entry of snapshots) {
    const meta = asRecord(asRecord(entry)?.metadata);
    const name = asString(meta?.name) ?? '';
    const namespace = asString(meta?.namespace) ?? '';
    const annotations = asRecord(meta?.annotations) ?? {};
    const claim = asString(asRecord(asRecord(asRecord(entry)?.spec)?.source)?.persistentVolumeClaimName);
    const contentName = asString(asRecord(asRecord(entry)?.status)?.boundVolumeSnapshotContentName);
    const content = contentName ? contentByName.get(contentName) : undefined;
    const handle = asString(annotations[HANDLE_ANNOTATION]) ?? asString(asRecord(content?.status)?.snapshotHandle);
    const driver = asString(annotations[DRIVER_ANNOTATION]) ?? asString(asRecord(content?.spec)?.driver);
    const missing = [!name && 'name', !namespace && 'namespace', !claim && 'claim', !handle && 'snapshot handle', !driver && 'driver'].filter(Boolean);
    if (missing.length > 0) {
      problems.push(`VolumeSnapshot ${namespace}/${name} in the backup has no ${missing.join(', ')}: its volume cannot be restored from it`);
      continue;
    }
    const size = Number(asString(annotations[RESTORE_SIZE_ANNOTATION]) ?? asRecord(content?.status)?.restoreSize);
    const volume = asString(annotations[VOLUME_ANNOTATION]);
    records.push({
      namespace, claim: claim!, snapshotName: name, handle: handle!, driver: driver!,
      ...(Number.isFinite(size) && size > 0 ? { restoreSize: size } : {}),
      ...(volume ? { volume } : {}),
    });
  }
  return { records, problems };
}

/** Indexes records for the restore stages. */
export function restoreVolumesOf(records: readonly VolumeRecord[], options: { targetDrivers?: readonly string[]; driverMapping?: Record<string, string> } = {}): RestoreVolumes {
  return {
    byClaim: new Map(records.map((r) => [`${r.namespace}/${r.claim}`, r])),
    byVolume: new Map(records.filter((r) => r.volume).map((r) => [r.volume!, r])),
    ...(options.targetDrivers ? { targetDrivers: options.targetDrivers } : {}),
    driverMapping: options.driverMapping ?? {},
  };
}

/**
 * The CSI driver a recorded snapshot is restored with: the mapped one, else the recorded one; a problem
 * when the target has no such driver (and its drivers are known).
 */
export function targetDriver(record: VolumeRecord, volumes: RestoreVolumes): { driver: string } | { problem: string } {
  const mapped = volumes.driverMapping[record.driver];
  const driver = mapped ?? record.driver;
  if (volumes.targetDrivers && !volumes.targetDrivers.includes(driver)) {
    const known = volumes.targetDrivers.length > 0 ? volumes.targetDrivers.join(', ') : 'none';
    const how = mapped ? `(csiDriverMapping maps ${record.driver} to it)` : '(map the recorded driver to one of them with csiDriverMapping)';
    return { problem: `the target cluster has no CSI driver ${driver} for snapshot ${record.namespace}/${record.snapshotName} (its CSIDrivers: ${known}) ${how}; the claim is not restored` };
  }
  return { driver };
}
