/**
 * Velero's records of a file-system backup, written for Ferry's moved volumes: `<backup>-podvolumebackups.json.gz`,
 * one PodVolumeBackup per backed-up pod volume whose claim Ferry moved, naming the kopia snapshot in the namespace's
 * repository (`<prefix>/kopia/<namespace>/`, the layout both use). With them, `velero restore` of a Ferry backup
 * restores the data as it restores its own fs-backups (its node-agent fills the pod's volume before the pod starts),
 * provided the repository password is Velero's (its `velero-repo-credentials` Secret). Velero matches a record to a
 * restored pod by namespace and name; its backup sync rewrites the records' namespace, storage location and owner UID.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Cluster } from '../kube/cluster.js';
import { ClusterError } from '../kube/errors.js';
import { isRecord, type KubeObject } from '../model/object.js';
import { runPool } from '../pool.js';
import { readJsonObject } from '../store/bounded-read.js';
import { BucketDataError, NotFoundError } from '../store/errors.js';
import type { BackupFile, BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import { VELERO_PVC_NAME_ANNOTATION } from './velero-pod-volumes.js';
import type { VolumeDataEntry } from './volume-data-record.js';

/** What the records name besides the volumes: the backup and its storage location. */
export interface PodVolumeRecordsInput {
  backup: string;
  location: string;
  volumes: readonly VolumeDataEntry[];
  /** The backed-up pods, as read from the cluster (their volumes, UIDs and nodes). */
  pods: readonly KubeObject[];
}

/** The PodVolumeBackups for the pods' claim volumes that have a snapshot, sorted by pod and volume. */
export function podVolumeBackupsOf(input: PodVolumeRecordsInput): KubeObject[] {
  const byClaim = new Map(input.volumes.map((v) => [`${v.namespace}/${v.claim}`, v]));
  const records: KubeObject[] = [];
  for (const pod of input.pods) {
    const namespace = pod.metadata.namespace ?? '';
    const spec = isRecord(pod.spec) ? pod.spec : {};
    for (const volume of Array.isArray(spec.volumes) ? spec.volumes : []) {
      if (!isRecord(volume) || typeof volume.name !== 'string' || !isRecord(volume.persistentVolumeClaim)) continue;
      const claim = volume.persistentVolumeClaim.claimName;
      const entry = typeof claim === 'string' ? byClaim.get(`${namespace}/${claim}`) : undefined;
      if (!entry) continue;
      records.push(record(input, pod, volume.name, entry, typeof spec.nodeName === 'string' ? spec.nodeName : ''));
    }
  }
  return records.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

function record(input: PodVolumeRecordsInput, pod: KubeObject, volume: string, entry: VolumeDataEntry, node: string): KubeObject {
  const { namespace = '', name = '', uid = '' } = pod.metadata;
  const suffix = createHash('sha256').update(`${namespace}/${name}/${volume}`).digest('hex').slice(0, 10);
  return {
    apiVersion: 'velero.io/v1', kind: 'PodVolumeBackup',
    metadata: {
      name: `${input.backup.slice(0, 240)}-${suffix}`, namespace: 'velero',
      labels: { 'velero.io/backup-name': input.backup },
      annotations: { [VELERO_PVC_NAME_ANNOTATION]: entry.claim },
      // Velero's backup sync fills in its Backup's UID, so that the records go with it.
      ownerReferences: [{ apiVersion: 'velero.io/v1', kind: 'Backup', name: input.backup, uid: '', controller: true }],
    },
    spec: {
      node, pod: { kind: 'Pod', namespace, name, uid }, volume, backupStorageLocation: input.location, repoIdentifier: '', uploaderType: 'kopia',
      tags: { backup: input.backup, ns: namespace, pod: name, 'pod-uid': uid, volume },
    },
    status: { phase: 'Completed', snapshotID: entry.snapshotId, progress: { totalBytes: entry.bytes, bytesDone: entry.bytes } },
  };
}

/**
 * The `podVolumeBackups` file of a backup whose volumes were moved: reads the backed-up pods (`namespace/name`; pods
 * gone since get no record) and writes a record for each of their claim volumes with a snapshot. No file without volumes.
 */
export async function podVolumeBackupFiles(input: Omit<PodVolumeRecordsInput, 'pods'> & { podKeys: readonly string[] },
  cluster: Cluster): Promise<[BackupFile, Uint8Array][]> {
  if (input.volumes.length === 0) return [];
  const namespaces = new Set(input.volumes.map((v) => v.namespace));
  const pods: KubeObject[] = [];
  await runPool(input.podKeys.filter((k) => namespaces.has(k.split('/')[0] ?? '')), 4, async (key) => {
    const [namespace = '', name = ''] = key.split('/');
    const pod = await cluster.read('v1', 'Pod', name, namespace).catch((err: unknown) => {
      if (err instanceof ClusterError) return undefined;
      throw err;
    });
    if (pod) pods.push(pod);
  });
  return [['podVolumeBackups', gzipSync(JSON.stringify(podVolumeBackupsOf({ ...input, pods })))]];
}

/** Largest resource list read back for its pods (stored and gunzipped), as a continued backup does. */
const MAX_LIST_BYTES = 64 * 1024 * 1024;

/**
 * The backed-up pods (`namespace/name`) of a backup whose resource list is already in the bucket (a backup continued
 * in a fresh invocation); none, with a warning, when the list cannot be read: Velero then restores no data of it.
 */
export async function backedUpPodKeys(backup: string, deps: { store: ObjectStore; layout: BucketLayout; log?: { warn(message: string): void } }): Promise<string[]> {
  try {
    const { value } = await readJsonObject(deps.store, deps.layout.backupKey(backup, 'resourceList'), { maxBytes: MAX_LIST_BYTES, maxGunzippedBytes: MAX_LIST_BYTES });
    const pods = isRecord(value) ? value['v1/Pod'] : undefined;
    return Array.isArray(pods) ? pods.filter((k): k is string => typeof k === 'string') : [];
  } catch (err) {
    if (!(err instanceof BucketDataError) && !(err instanceof NotFoundError)) throw err;
    deps.log?.warn(`backup ${backup}: its resource list cannot be read (${err.message}): no PodVolumeBackups are written for Velero`);
    return [];
  }
}
