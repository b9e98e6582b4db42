import { createHash } from 'node:crypto';
import type { Cluster } from '../../kube/cluster.js';
import { ClusterError } from '../../kube/errors.js';
import { isRecord, type KubeObject } from '../../model/object.js';
import { formatGoDuration } from '../../spec/schedule.js';
import { SNAPSHOT_API_VERSION, type SnapshotCandidate } from './claims.js';

/** Velero's annotations on a recorded VolumeSnapshot: what a restore needs to rebuild its content. */
export const SNAPSHOT_ANNOTATIONS = {
  handle: 'velero.io/csi-volumesnapshot-handle',
  driver: 'velero.io/csi-driver-name',
  restoreSize: 'velero.io/csi-volumesnapshot-restore-size',
  /** Ferry's: the PersistentVolume the snapshot was taken of. */
  volume: 'ferry.dev/source-persistent-volume',
} as const;

/** Velero's label naming the backup an object was made for. */
export const BACKUP_NAME_LABEL = 'velero.io/backup-name';

/** How waiting for a snapshot is timed: the deadline, the poll backoff, and the injected clock and sleep. */
export interface SnapshotTiming {
  timeoutMs: number;
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** First poll interval; it doubles up to `maxPollMs`. */
  firstPollMs: number;
  maxPollMs: number;
}

/** One snapshot taken: the VolumeSnapshot and its content as recorded in the backup. */
export interface TakenSnapshot {
  snapshot: KubeObject;
  content: KubeObject;
}

/** Why one snapshot failed: the message names the claim, the snapshot and the cause. */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The VolumeSnapshot name for a claim in a backup: `ferry-<claim>-<hash>`, stable for the backup, at most 253. */
export function snapshotName(backup: string, namespace: string, claim: string): string {
  const hash = createHash('sha256').update(`${backup}/${namespace}/${claim}`).digest('hex').slice(0, 8);
  return `ferry-${claim.slice(0, 253 - 15).replace(/[.-]+$/, '')}-${hash}`;
}

/**
 * Takes one CSI snapshot: creates a VolumeSnapshot of the claim, waits until it is readyToUse and its
 * content has a handle, sets the content's deletionPolicy to Retain (so the snapshot outlives the
 * VolumeSnapshot), deletes the VolumeSnapshot and returns both objects as recorded. Throws SnapshotError when
 * the snapshot fails or times out; the VolumeSnapshot it created is deleted then too.
 */
export async function takeSnapshot(cluster: Cluster, backup: string, candidate: SnapshotCandidate, snapshotClass: string,
  timing: SnapshotTiming): Promise<TakenSnapshot> {
  const { namespace, claim } = candidate;
  const name = snapshotName(backup, namespace, claim);
  const what = `snapshot ${namespace}/${name} of PersistentVolumeClaim ${claim}`;
  try {
    await cluster.create({
      apiVersion: SNAPSHOT_API_VERSION, kind: 'VolumeSnapshot',
      metadata: { name, namespace, labels: { [BACKUP_NAME_LABEL]: backup } },
      spec: { volumeSnapshotClassName: snapshotClass, source: { persistentVolumeClaimName: claim } },
    });
  } catch (err) {
    throw new SnapshotError(`${what} could not be created: ${(err as Error).message}`, { cause: err });
  }
  try {
    const ready = await waitUntilReady(cluster, namespace, name, what, timing);
    const content = await cluster.patch({ apiVersion: SNAPSHOT_API_VERSION, kind: 'VolumeSnapshotContent', metadata: { name: ready.content.metadata.name } },
      { metadata: { labels: { [BACKUP_NAME_LABEL]: backup } }, spec: { deletionPolicy: 'Retain' } }, 'merge');
    await cluster.delete(SNAPSHOT_API_VERSION, 'VolumeSnapshot', name, namespace);
    return { snapshot: recordedSnapshot(ready.snapshot, content, candidate), content: clean(content) };
  } catch (err) {
    await cluster.delete(SNAPSHOT_API_VERSION, 'VolumeSnapshot', name, namespace).catch(() => undefined);
    if (err instanceof SnapshotError) throw err;
    if (err instanceof ClusterError) throw new SnapshotError(`${what}: ${err.message}`, { cause: err });
    throw err;
  }
}

async function waitUntilReady(cluster: Cluster, namespace: string, name: string, what: string,
  timing: SnapshotTiming): Promise<TakenSnapshot> {
  const deadline = timing.clock().getTime() + timing.timeoutMs;
  let pause = timing.firstPollMs;
  let last = 'not ready yet';
  for (;;) {
    const snapshot = await cluster.read(SNAPSHOT_API_VERSION, 'VolumeSnapshot', name, namespace);
    if (!snapshot) throw new SnapshotError(`${what} was deleted while Ferry waited for it`);
    const status = isRecord(snapshot.status) ? snapshot.status : {};
    const failure = errorMessage(status);
    if (failure) throw new SnapshotError(`${what} failed: ${failure}`);
    const contentName = typeof status.boundVolumeSnapshotContentName === 'string' ? status.boundVolumeSnapshotContentName : '';
    if (status.readyToUse === true && contentName) {
      const content = await cluster.read(SNAPSHOT_API_VERSION, 'VolumeSnapshotContent', contentName);
      const contentStatus = isRecord(content?.status) ? content.status : {};
      const contentFailure = errorMessage(contentStatus);
      if (contentFailure) throw new SnapshotError(`${what} failed: its content ${contentName}: ${contentFailure}`);
      if (content && typeof contentStatus.snapshotHandle === 'string' && contentStatus.snapshotHandle) return { snapshot, content };
      last = content ? `its content ${contentName} has no snapshot handle yet` : `its content ${contentName} does not exist yet`;
    } else {
      last = contentName ? `bound to ${contentName} but not readyToUse` : 'not bound to a content yet';
    }
    const left = deadline - timing.clock().getTime();
    if (left <= 0) throw new SnapshotError(`${what} did not become ready within ${formatGoDuration(timing.timeoutMs)} (csiSnapshotTimeout): ${last}`);
    await timing.sleep(Math.min(pause, left));
    pause = Math.min(pause * 2, timing.maxPollMs);
  }
}

function errorMessage(status: Record<string, unknown>): string | undefined {
  const error = status.error;
  if (!isRecord(error)) return undefined;
  return typeof error.message === 'string' && error.message ? error.message : 'the snapshot controller reported an error';
}

/** The VolumeSnapshot as Velero records it: annotated with the content's handle, driver and restore size. */
function recordedSnapshot(snapshot: KubeObject, content: KubeObject, candidate: SnapshotCandidate): KubeObject {
  const status = isRecord(content.status) ? content.status : {};
  const spec = isRecord(content.spec) ? content.spec : {};
  const annotations: Record<string, string> = {
    ...snapshot.metadata.annotations,
    [SNAPSHOT_ANNOTATIONS.handle]: String(status.snapshotHandle),
    [SNAPSHOT_ANNOTATIONS.driver]: typeof spec.driver === 'string' ? spec.driver : candidate.driver,
    [SNAPSHOT_ANNOTATIONS.volume]: candidate.volume,
  };
  if (typeof status.restoreSize === 'number') annotations[SNAPSHOT_ANNOTATIONS.restoreSize] = String(status.restoreSize);
  const recorded = clean(snapshot);
  return { ...recorded, metadata: { ...recorded.metadata, annotations } };
}

function clean(obj: KubeObject): KubeObject {
  const { managedFields: _managed, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}
