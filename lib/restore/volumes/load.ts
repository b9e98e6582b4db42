import type { Cluster, Discovery } from '../../kube/cluster.js';
import { ClusterError } from '../../kube/errors.js';
import { readJsonObject } from '../../store/bounded-read.js';
import { BucketDataError, NotFoundError } from '../../store/errors.js';
import type { BucketLayout } from '../../store/layout.js';
import type { ObjectStore } from '../../store/object-store.js';
import { RestoreRefusedError } from '../errors.js';
import { RESTORE_LIMITS } from '../limits.js';
import { readVolumeRecords, restoreVolumesOf, type RestoreVolumes } from './records.js';

/** What loading the volume records found: the records for the stages (none when the backup holds no snapshot) and warnings. */
export interface LoadedVolumes {
  volumes?: RestoreVolumes;
  warnings: string[];
}

/**
 * Reads the backup's CSI snapshot records (Velero's csi-volumesnapshots and csi-volumesnapshotcontents files)
 * and the target's CSIDriver names. A backup without the files has no volume data; unreadable records are
 * warnings; a target whose CSIDrivers cannot be listed is a warning and its drivers are not checked. A file that
 * is too large or not gzipped JSON refuses the restore (RestoreRefusedError naming the key): its claims would
 * otherwise come back empty.
 */
export async function loadRestoreVolumes(backup: string, deps: { store: ObjectStore; layout: BucketLayout; cluster: Cluster },
  discovery: Discovery, driverMapping: Record<string, string> = {}): Promise<LoadedVolumes> {
  const snapshots = await readList(deps, backup, 'csiVolumeSnapshots');
  if (snapshots === undefined) return { warnings: [] };
  const contents = (await readList(deps, backup, 'csiVolumeSnapshotContents')) ?? [];
  const { records, problems } = readVolumeRecords(snapshots, contents);
  const warnings = [...problems];
  if (records.length === 0) return { warnings };
  let targetDrivers: string[] | undefined;
  const csiDrivers = discovery.resources.find((r) => r.group === 'storage.k8s.io' && r.version === 'v1' && r.kind === 'CSIDriver');
  if (!csiDrivers) {
    warnings.push('the target does not serve storage.k8s.io/v1 CSIDriver: the snapshots\' drivers are not checked');
  } else {
    try {
      targetDrivers = [];
      let continueToken: string | undefined;
      do {
        const page = await deps.cluster.listPage(csiDrivers, { limit: 500, ...(continueToken ? { continueToken } : {}) });
        targetDrivers.push(...page.items.map((d) => d.metadata.name ?? ''));
        continueToken = page.continueToken;
      } while (continueToken);
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      targetDrivers = undefined;
      warnings.push(`could not list the target's CSIDrivers (${err.message}): the snapshots' drivers are not checked`);
    }
  }
  return { volumes: restoreVolumesOf(records, { ...(targetDrivers ? { targetDrivers } : {}), driverMapping }), warnings };
}

async function readList(deps: { store: ObjectStore; layout: BucketLayout }, backup: string,
  file: 'csiVolumeSnapshots' | 'csiVolumeSnapshotContents'): Promise<unknown | undefined> {
  const key = deps.layout.backupKey(backup, file);
  try {
    const { value } = await readJsonObject(deps.store, key, {
      maxBytes: RESTORE_LIMITS.maxVolumeRecordBytes, maxGunzippedBytes: RESTORE_LIMITS.maxVolumeRecordGunzippedBytes,
    });
    return value;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    if (err instanceof BucketDataError) {
      throw new RestoreRefusedError(`the backup's volume records cannot be read: ${err.message}; nothing was applied (restorePVs: false restores the claims without their data)`, { cause: err });
    }
    throw err;
  }
}
