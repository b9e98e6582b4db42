import { gzipSync } from 'node:zlib';
import type { Cluster } from '../../kube/cluster.js';
import { ClusterError } from '../../kube/errors.js';
import { splitApiVersion, type KubeObject } from '../../model/object.js';
import { addMessage, type RunResults } from '../../model/results.js';
import type { BackupFile } from '../../store/layout.js';
import { listAll } from '../collect.js';
import type { BackupLog } from '../types.js';
import { chooseSnapshotClass, classifyClaim, SNAPSHOT_API_VERSION, type ClaimVerdict, type SnapshotCandidate } from './claims.js';
import type { BackupSpec } from '../../spec/backup-spec.js';
import { volumeBackupOptions, type VolumeBackupOptions } from './options.js';
import { podVolumeWarnings } from './pod-volumes.js';
import { SnapshotError, takeSnapshot, type SnapshotTiming } from './snapshot.js';
import { runPool } from '../../pool.js';

/** What the snapshot pass needs besides the claims: the cluster, time, and where problems go. */
export interface VolumeBackupDeps {
  cluster: Cluster;
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  /** Warnings (volumes that cannot be snapshotted) and errors (snapshots that failed) are added here. */
  results: RunResults;
  log?: BackupLog;
  /** Snapshots taken and waited for at once (default 4). */
  concurrency?: number;
  /** Poll backoff (defaults: 1 s doubling up to 10 s). */
  firstPollMs?: number;
  maxPollMs?: number;
}

/** One claim whose data is not in the backup, and why. */
export interface VolumeProblem {
  namespace: string;
  claim: string;
  reason: string;
}

/** What the snapshot pass recorded: Velero's three CSI lists, and the claims left out or failed. */
export interface VolumeBackupResult {
  snapshots: KubeObject[];
  contents: KubeObject[];
  classes: KubeObject[];
  /** Claims that cannot be snapshotted (not bound, not CSI): warnings. */
  skipped: VolumeProblem[];
  /** Claims whose snapshot failed or timed out: errors. */
  failed: VolumeProblem[];
}

/**
 * Snapshots the backed-up claims (`namespace/name`) with CSI, one VolumeSnapshot each, and records them.
 * A claim that is not bound to a CSI volume is a warning; a snapshot that cannot be taken, fails or times out
 * is an error (the backup becomes PartiallyFailed). Only a failure to read the claims themselves throws.
 */
export async function backupVolumes(backup: string, claims: readonly string[], options: VolumeBackupOptions,
  deps: VolumeBackupDeps): Promise<VolumeBackupResult> {
  const result: VolumeBackupResult = { snapshots: [], contents: [], classes: [], skipped: [], failed: [] };
  const limit = deps.concurrency ?? 4;
  const skip = (namespace: string, claim: string, reason: string) => {
    result.skipped.push({ namespace, claim, reason });
    addMessage(deps.results.warnings, namespace, `PersistentVolumeClaim ${namespace}/${claim}: ${reason}`);
  };
  const fail = (namespace: string, claim: string, reason: string) => {
    result.failed.push({ namespace, claim, reason });
    addMessage(deps.results.errors, namespace, `PersistentVolumeClaim ${namespace}/${claim}: volume data not backed up: ${reason}`);
  };

  // Claims are read concurrently but judged in order, so that the warnings read the same on every run.
  const sorted = [...claims].sort();
  const verdicts = new Map<string, ClaimVerdict | { error: string }>();
  await runPool(sorted, limit, async (key) => {
    const [namespace = '', claim = ''] = key.split('/');
    try {
      const pvc = await deps.cluster.read('v1', 'PersistentVolumeClaim', claim, namespace);
      if (!pvc) return void verdicts.set(key, { skip: 'it was deleted during the backup' });
      const volumeName = (pvc.spec as { volumeName?: unknown } | undefined)?.volumeName;
      const pv = typeof volumeName === 'string' && volumeName ? await deps.cluster.read('v1', 'PersistentVolume', volumeName) : undefined;
      verdicts.set(key, classifyClaim(pvc, pv));
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      verdicts.set(key, { error: `could not read it or its volume: ${err.message}` });
    }
  });
  const candidates: SnapshotCandidate[] = [];
  for (const key of sorted) {
    const [namespace = '', claim = ''] = key.split('/');
    const verdict = verdicts.get(key)!;
    if ('error' in verdict) fail(namespace, claim, verdict.error);
    else if ('skip' in verdict) skip(namespace, claim, verdict.skip);
    else candidates.push(verdict.candidate);
  }
  if (candidates.length === 0) return result;

  const classes = await listSnapshotClasses(deps.cluster).catch((err: unknown) => {
    if (err instanceof SnapshotError) return err;
    throw err;
  });
  if (classes instanceof SnapshotError) {
    for (const c of candidates) fail(c.namespace, c.claim, classes.message);
    return result;
  }
  const timing: SnapshotTiming = {
    timeoutMs: options.timeoutMs, clock: deps.clock, sleep: deps.sleep,
    firstPollMs: deps.firstPollMs ?? 1_000, maxPollMs: deps.maxPollMs ?? 10_000,
  };
  const used = new Map<string, KubeObject>();
  const taken: { key: string; snapshot: KubeObject; content: KubeObject }[] = [];
  await runPool(candidates, limit, async (candidate) => {
    const chosen = chooseSnapshotClass(candidate, classes, options.classByDriver);
    if ('problem' in chosen) return fail(candidate.namespace, candidate.claim, chosen.problem);
    const className = chosen.snapshotClass.metadata.name ?? '';
    try {
      deps.log?.info(`snapshotting PersistentVolumeClaim ${candidate.namespace}/${candidate.claim}`, { driver: candidate.driver, volumeSnapshotClass: className });
      const snap = await takeSnapshot(deps.cluster, backup, candidate, className, timing);
      taken.push({ key: `${candidate.namespace}/${candidate.claim}`, ...snap });
      used.set(className, chosen.snapshotClass);
    } catch (err) {
      if (!(err instanceof SnapshotError)) throw err;
      fail(candidate.namespace, candidate.claim, err.message);
    }
  });
  taken.sort((a, b) => a.key.localeCompare(b.key));
  result.snapshots = taken.map((t) => t.snapshot);
  result.contents = taken.map((t) => t.content);
  result.classes = [...used.values()].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))
    .map(({ metadata: { managedFields: _m, ...metadata }, ...rest }) => ({ ...rest, metadata }));
  return result;
}

/** Every VolumeSnapshotClass of the cluster; a clear error when the cluster does not serve the snapshot API. */
async function listSnapshotClasses(cluster: Cluster): Promise<KubeObject[]> {
  const { group, version } = splitApiVersion(SNAPSHOT_API_VERSION);
  const out: KubeObject[] = [];
  try {
    const discovery = await cluster.discover();
    const resource = discovery.resources.find((r) => r.group === group && r.version === version && r.kind === 'VolumeSnapshotClass');
    if (!resource) throw new SnapshotError(`the cluster does not serve ${SNAPSHOT_API_VERSION} VolumeSnapshotClass (are the snapshot CRDs and controller installed?)`);
    for await (const page of listAll(cluster, resource, { labelSelector: '', pageSize: 500, maxRestarts: 3 })) out.push(...page);
  } catch (err) {
    if (!(err instanceof ClusterError)) throw err;
    throw new SnapshotError(`could not list VolumeSnapshotClasses: ${err.message}`, { cause: err });
  }
  return out;
}

/** What a backup run hands the volume pass: its spec, what it wrote, its ports and its results. */
export interface SelectedVolumesInput {
  spec: Pick<BackupSpec, 'name' | 'backupType' | 'volumeOptions'>;
  /** The backup's resource list (`{"v1/PersistentVolumeClaim": ["ns/name"]}`). */
  resourceList: Record<string, string[]>;
}

/**
 * The volume pass of a backup run: snapshots the backed-up claims when the spec asks for volume data and
 * returns the CSI files to write (none otherwise).
 */
export async function backupSelectedVolumes(input: SelectedVolumesInput, deps: Omit<VolumeBackupDeps, 'sleep'> & { sleep?: VolumeBackupDeps['sleep'] }): Promise<[BackupFile, Uint8Array][]> {
  const options = volumeBackupOptions(input.spec);
  if (!options.snapshot) return [];
  const claims = input.resourceList['v1/PersistentVolumeClaim'] ?? [];
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  await warnAboutPodVolumes(input.resourceList['v1/Pod'] ?? [], deps);
  const result = await backupVolumes(input.spec.name, claims, options, { ...deps, sleep });
  deps.log?.info(`volumes: ${result.snapshots.length} snapshotted, ${result.skipped.length} not snapshottable, ${result.failed.length} failed`);
  return volumeFiles(result);
}

/** Warns, in each pod's namespace, about the pod volumes no snapshot covers (hostPath, emptyDir, ...). */
async function warnAboutPodVolumes(pods: readonly string[], deps: Pick<VolumeBackupDeps, 'cluster' | 'results' | 'concurrency'>): Promise<void> {
  const found = new Map<string, string[]>();
  await runPool([...pods].sort(), deps.concurrency ?? 4, async (key) => {
    const [namespace = '', name = ''] = key.split('/');
    const pod = await deps.cluster.read('v1', 'Pod', name, namespace).catch((err: unknown) => {
      if (err instanceof ClusterError) return undefined;
      throw err;
    });
    if (pod) found.set(key, podVolumeWarnings(pod));
  });
  for (const key of [...found.keys()].sort()) {
    for (const message of found.get(key)!) addMessage(deps.results.warnings, key.split('/')[0], message);
  }
}

/** Run-level warnings about the spec's volume settings (snapshots disabled, malformed fields). */
export function volumeSpecWarnings(spec: Pick<BackupSpec, 'backupType' | 'volumeOptions'>): string[] {
  const options = volumeBackupOptions(spec);
  return [...(options.disabledReason ? [options.disabledReason] : []), ...options.problems];
}

/** Velero's CSI files of a backup, gzipped JSON lists; none when no snapshot was taken. */
export function volumeFiles(result: VolumeBackupResult): [BackupFile, Uint8Array][] {
  if (result.snapshots.length === 0) return [];
  const gz = (items: KubeObject[]) => gzipSync(JSON.stringify(items));
  return [
    ['csiVolumeSnapshots', gz(result.snapshots)],
    ['csiVolumeSnapshotContents', gz(result.contents)],
    ['csiVolumeSnapshotClasses', gz(result.classes)],
  ];
}
