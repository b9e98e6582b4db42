/**
 * Point-in-time copies for the backup's movers: where the claim's driver can snapshot (a VolumeSnapshotClass exists
 * for its CSI driver, or for its StorageClass's provisioner), the mover reads a clone of a fresh VolumeSnapshot
 * instead of the live claim. The class is chosen as the CSI snapshot pass chooses it (the claim's
 * `velero.io/csi-volumesnapshot-class`, else the driver's default class, else its only class). The VolumeSnapshot and
 * the clone claim carry the mover's label and name, and `remove` deletes both (the content with them: its
 * deletionPolicy is set to Delete first), whatever the move's outcome.
 */
import type { Cluster } from '../kube/cluster.js';
import { ClusterError } from '../kube/errors.js';
import { isRecord, splitApiVersion, type KubeObject } from '../model/object.js';
import { chooseSnapshotClass, CLAIM_CLASS_ANNOTATION, SNAPSHOT_API_VERSION } from '../backup/volumes/claims.js';
import { MoverError } from './errors.js';

/** How a mover reads a claim: a snapshot clone (point in time), or the live claim with why it cannot be cloned. */
export type ReadPlan = {
  source: 'snapshot'; snapshotClass: string; driver: string; claim: KubeObject;
  /** The clone binds without a consumer (its class's volumeBindingMode is not WaitForFirstConsumer): it is waited for. */
  bindsAtOnce: boolean;
} | { source: 'live'; reason: string };

/** A clone being read: the claim to mount, and how to remove it and its snapshot. */
export interface SnapshotClone {
  claim: string;
  remove(): Promise<void>;
}

/** Waiting for the snapshot: its deadline and the injected clock and sleep. */
export interface CloneTiming {
  timeoutMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  pollMs?: number;
}

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** The snapshot driver of a claim's volume: its CSI driver, else its StorageClass's provisioner. */
export function claimDriver(volume: KubeObject | undefined, storageClass: KubeObject | undefined): string | undefined {
  return str(rec(rec(volume?.spec).csi).driver) ?? str(storageClass?.provisioner)
    ?? str(volume?.metadata.annotations?.['pv.kubernetes.io/provisioned-by']);
}

/** Decides how the mover reads `namespace/claim` (a bound claim): from a snapshot clone where its driver can snapshot. */
export async function planRead(cluster: Cluster, namespace: string, name: string): Promise<ReadPlan> {
  const claim = await cluster.read('v1', 'PersistentVolumeClaim', name, namespace);
  if (!claim) throw new MoverError(`PersistentVolumeClaim ${namespace}/${name} does not exist`);
  const spec = rec(claim.spec);
  const volumeName = str(spec.volumeName);
  const className = str(spec.storageClassName);
  const [volume, storageClass] = await Promise.all([
    volumeName ? cluster.read('v1', 'PersistentVolume', volumeName) : undefined,
    className ? cluster.read('storage.k8s.io/v1', 'StorageClass', className) : undefined,
  ]);
  const driver = claimDriver(volume, storageClass);
  if (!driver) return { source: 'live', reason: 'its volume names no CSI driver or provisioner' };
  const classes = await snapshotClasses(cluster);
  if (typeof classes === 'string') return { source: 'live', reason: classes };
  const requestedClass = claim.metadata.annotations?.[CLAIM_CLASS_ANNOTATION];
  const chosen = chooseSnapshotClass({ namespace, claim: name, volume: volumeName ?? '', driver, ...(requestedClass ? { requestedClass } : {}) }, classes, {});
  if ('problem' in chosen) return { source: 'live', reason: chosen.problem };
  const bindsAtOnce = str(storageClass?.volumeBindingMode) !== 'WaitForFirstConsumer';
  return { source: 'snapshot', snapshotClass: chosen.snapshotClass.metadata.name ?? '', driver, claim, bindsAtOnce };
}

/** Every VolumeSnapshotClass, or why there are none to use (the cluster does not serve the snapshot API). */
async function snapshotClasses(cluster: Cluster): Promise<KubeObject[] | string> {
  const { group, version } = splitApiVersion(SNAPSHOT_API_VERSION);
  const resource = (await cluster.discover()).resources.find((r) => r.group === group && r.version === version && r.kind === 'VolumeSnapshotClass');
  if (!resource) return `the cluster does not serve ${SNAPSHOT_API_VERSION} VolumeSnapshotClass`;
  return (await cluster.listPage(resource, { limit: 500 })).items;
}

/**
 * Takes a VolumeSnapshot `name` of the planned claim, waits until it is ready, and creates the clone claim `name` from
 * it (same class, access modes and volume mode; at least the snapshot's restore size). Throws MoverError when the
 * snapshot fails or is not ready in time, after removing what it made.
 */
export async function cloneClaim(cluster: Cluster, plan: Extract<ReadPlan, { source: 'snapshot' }>, name: string,
  labels: Record<string, string>, timing: CloneTiming, annotations: Record<string, string> = {}): Promise<SnapshotClone> {
  const namespace = plan.claim.metadata.namespace ?? '';
  const source = plan.claim.metadata.name ?? '';
  const what = `VolumeSnapshot ${namespace}/${name} of PersistentVolumeClaim ${source}`;
  const clone: SnapshotClone = { claim: name, remove: () => removeClone(cluster, namespace, name) };
  try {
    await cluster.create({
      apiVersion: SNAPSHOT_API_VERSION, kind: 'VolumeSnapshot', metadata: { name, namespace, labels, annotations },
      spec: { volumeSnapshotClassName: plan.snapshotClass, source: { persistentVolumeClaimName: source } },
    });
    const deadline = timing.now() + timing.timeoutMs;
    const restoreSize = await waitUntilReady(cluster, namespace, name, what, timing, deadline);
    // The content is cluster-scoped and made by the snapshotter: given the same labels (kept out of backups too).
    const content = str(rec((await cluster.read(SNAPSHOT_API_VERSION, 'VolumeSnapshot', name, namespace))?.status).boundVolumeSnapshotContentName);
    if (content) await cluster.patch({ apiVersion: SNAPSHOT_API_VERSION, kind: 'VolumeSnapshotContent', metadata: { name: content } }, { metadata: { labels } }, 'merge');
    const spec = rec(plan.claim.spec);
    const requested = str(rec(rec(spec.resources).requests).storage);
    await cluster.create({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace, labels, annotations },
      spec: {
        ...(str(spec.storageClassName) ? { storageClassName: spec.storageClassName } : {}),
        accessModes: Array.isArray(spec.accessModes) ? spec.accessModes : ['ReadWriteOnce'],
        ...(str(spec.volumeMode) ? { volumeMode: spec.volumeMode } : {}),
        resources: { requests: { storage: restoreSize ?? requested ?? '1Gi' } },
        dataSource: { apiGroup: splitApiVersion(SNAPSHOT_API_VERSION).group, kind: 'VolumeSnapshot', name },
      },
    });
    // Provisioning a clone copies data: waited for here, so that the mover's deadline measures the move alone.
    if (plan.bindsAtOnce) await waitUntilBound(cluster, namespace, name, timing, deadline);
    return clone;
  } catch (err) {
    await clone.remove();
    if (err instanceof MoverError) throw err;
    if (err instanceof ClusterError) throw new MoverError(`${what}: ${err.message}`, 'failed', { cause: err });
    throw err;
  }
}

/** The clone an earlier invocation made under `name` (its mover Job is being adopted): only its removal is needed. */
export function existingClone(cluster: Cluster, namespace: string, name: string): SnapshotClone {
  return { claim: name, remove: () => removeClone(cluster, namespace, name) };
}

/** Polls the snapshot until readyToUse (its restore size, if it has one), its error, or the deadline. */
async function waitUntilReady(cluster: Cluster, namespace: string, name: string, what: string, timing: CloneTiming,
  deadline: number): Promise<string | undefined> {
  let pause = timing.pollMs ?? 250;
  for (;;) {
    const snapshot = await cluster.read(SNAPSHOT_API_VERSION, 'VolumeSnapshot', name, namespace);
    if (!snapshot) throw new MoverError(`${what} was deleted while Ferry waited for it`);
    const status = rec(snapshot.status);
    const error = str(rec(status.error).message);
    if (error) throw new MoverError(`${what} failed: ${error}`);
    if (status.readyToUse === true) return typeof status.restoreSize === 'number' ? String(status.restoreSize) : str(status.restoreSize);
    if (timing.now() >= deadline) throw new MoverError(`${what} was not ready within ${Math.round(timing.timeoutMs / 1000)} s`, 'timeout');
    await timing.sleep(pause);
    pause = Math.min(pause * 2, 5_000);
  }
}

/** Polls the clone claim until it is Bound, or the deadline. */
async function waitUntilBound(cluster: Cluster, namespace: string, name: string, timing: CloneTiming, deadline: number): Promise<void> {
  let pause = timing.pollMs ?? 250;
  for (;;) {
    const claim = await cluster.read('v1', 'PersistentVolumeClaim', name, namespace);
    if (rec(claim?.status).phase === 'Bound') return;
    if (timing.now() >= deadline) {
      throw new MoverError(`clone PersistentVolumeClaim ${namespace}/${name} was not bound within ${Math.round(timing.timeoutMs / 1000)} s (phase ${String(rec(claim?.status).phase ?? 'unknown')})`, 'timeout');
    }
    await timing.sleep(pause);
    pause = Math.min(pause * 2, 5_000);
  }
}

/** Deletes the clone claim and the VolumeSnapshot (its content too: Retain is turned into Delete first); best effort. */
export async function removeClone(cluster: Cluster, namespace: string, name: string): Promise<void> {
  const quietly = (p: Promise<unknown>) => p.catch(() => undefined);
  await quietly(cluster.delete('v1', 'PersistentVolumeClaim', name, namespace));
  const snapshot = await cluster.read(SNAPSHOT_API_VERSION, 'VolumeSnapshot', name, namespace).catch(() => undefined);
  const content = str(rec(snapshot?.status).boundVolumeSnapshotContentName);
  if (content) {
    await quietly(cluster.patch({ apiVersion: SNAPSHOT_API_VERSION, kind: 'VolumeSnapshotContent', metadata: { name: content } },
      { spec: { deletionPolicy: 'Delete' } }, 'merge'));
  }
  await quietly(cluster.delete(SNAPSHOT_API_VERSION, 'VolumeSnapshot', name, namespace));
}
