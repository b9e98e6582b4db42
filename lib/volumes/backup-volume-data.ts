/**
 * The backup's volume-data pass: chooses the claims whose data is moved (select-claims.ts), runs one mover per claim
 * (the claims of one namespace one after another, since they share a repository; namespaces side by side), and
 * gives ferry-volume-data.json for the manifest. A mover that fails or times out makes that claim an error (the
 * backup PartiallyFailed) and the others go on. Moves may outlast a function's invocation: those still running
 * when the caller stops waiting are returned as pending, and a later call adopts their movers.
 */
import type { Cluster } from '../kube/cluster.js';
import { ClusterError } from '../kube/errors.js';
import type { KubeObject } from '../model/object.js';
import { addMessage, type RunResults } from '../model/results.js';
import { runPool } from '../pool.js';
import type { BackupFile } from '../store/layout.js';
import { MovePendingError, MoverError } from './errors.js';
import type { VolumeMover } from './mover.js';
import { claimsToMove, consumerNodes, type MoveSpec } from './select-claims.js';
import { repositoryOf, serializeVolumeData, type VolumeDataEntry, type VolumeDataFailure } from './volume-data-record.js';

/** What the pass needs: the source cluster, the mover (none: data is not moved), and where problems go. */
export interface VolumeDataDeps {
  cluster: Cluster;
  mover?: VolumeMover;
  results: RunResults;
  /** Namespaces moved at once (default 2). */
  concurrency?: number;
  /** Asked between polls: true leaves the moves still running for a later invocation (see MoveControl). */
  shouldStop?: () => boolean;
  /** The backup run's identity (its startTimestamp, the same in every invocation): movers adopt only its own moves. */
  run?: string;
  log?: { info(message: string, data?: Record<string, unknown>): void; warn?(message: string, data?: Record<string, unknown>): void };
}

/** One claim whose data is to be moved, and the node of a running pod that mounts it. */
export interface ClaimToMove {
  namespace: string;
  claim: string;
  node?: string;
}

/** The claims the pass takes charge of (the CSI snapshot pass does not see them) and those it moves. */
export interface VolumeDataChoice {
  claims: string[];
  toMove: ClaimToMove[];
}

/** What moving did: snapshots taken, claims failed, and claims whose move is still running (a later invocation's). */
export interface VolumeDataOutcome {
  volumes: VolumeDataEntry[];
  failed: VolumeDataFailure[];
  pending: ClaimToMove[];
}

/** Chooses the claims whose data is moved (select-claims.ts); none when no mover is configured (with a warning if asked). */
export async function chooseVolumeData(input: { spec: MoveSpec; resourceList: Record<string, string[]> },
  deps: Pick<VolumeDataDeps, 'cluster' | 'mover' | 'results'>): Promise<VolumeDataChoice> {
  const none: VolumeDataChoice = { claims: [], toMove: [] };
  const claims = input.resourceList['v1/PersistentVolumeClaim'] ?? [];
  if (claims.length === 0) return none;
  const pods = await readPods(deps.cluster, input.resourceList['v1/Pod'] ?? []);
  const choice = claimsToMove(input.spec, claims, pods);
  for (const problem of choice.problems) addMessage(deps.results.warnings, undefined, problem);
  if (choice.claims.length === 0) return none;
  if (!deps.mover) {
    // Without a mover, ACK's backup types keep today's CSI snapshots (and their warnings); an explicit ask is warned about.
    if (!choice.explicit) return none;
    addMessage(deps.results.warnings, undefined, `the data of ${choice.claims.length} claim(s) is not moved into the bucket: no volume mover is configured for this storage location (storageLocations.<name>.volumeData)`);
    return none;
  }
  const nodes = consumerNodes(pods);
  return {
    claims: choice.claims,
    toMove: choice.claims.map((key) => {
      const [namespace = '', claim = ''] = key.split('/');
      const node = nodes.get(key);
      return { namespace, claim, ...(node ? { node } : {}) };
    }),
  };
}

/**
 * Moves the claims' data into the repositories: one mover per claim, the claims of one namespace one after another
 * (they share a repository), namespaces side by side. A claim whose move is still running when `shouldStop` says
 * so is returned as pending; the same call made later (a fresh invocation) adopts its mover.
 */
export async function moveVolumeData(backup: string, toMove: readonly ClaimToMove[], deps: VolumeDataDeps): Promise<VolumeDataOutcome> {
  const outcome: VolumeDataOutcome = { volumes: [], failed: [], pending: [] };
  const mover = deps.mover;
  if (!mover || toMove.length === 0) return outcome;
  const byNamespace = new Map<string, ClaimToMove[]>();
  for (const c of toMove) byNamespace.set(c.namespace, [...(byNamespace.get(c.namespace) ?? []), c]);
  await sweepLeftovers(mover, deps.log);
  const fail = (namespace: string, claim: string, reason: string) => {
    outcome.failed.push({ namespace, claim, reason });
    addMessage(deps.results.errors, namespace, `PersistentVolumeClaim ${namespace}/${claim}: volume data not backed up: ${reason}`);
  };
  await runPool([...byNamespace.keys()].sort(), deps.concurrency ?? 2, async (namespace) => {
    const claims = byNamespace.get(namespace)!;
    for (const [i, { claim, node }] of claims.entries()) {
      // A stopped invocation starts no new move: the rest of the namespace waits for the next one.
      if (deps.shouldStop?.()) {
        outcome.pending.push(...claims.slice(i));
        return;
      }
      const bound = await boundOrReason(deps.cluster, namespace, claim);
      if (bound !== true) {
        addMessage(deps.results.warnings, namespace, `PersistentVolumeClaim ${namespace}/${claim}: ${bound}: no data to move`);
        continue;
      }
      try {
        deps.log?.info(`moving the data of PersistentVolumeClaim ${namespace}/${claim} into the bucket`);
        const moved = await mover.moveOut({ backup, namespace, claim, ...(node ? { node } : {}), ...(deps.run ? { run: deps.run } : {}) },
          deps.shouldStop ? { shouldStop: deps.shouldStop } : {});
        outcome.volumes.push({ namespace, claim, repository: repositoryOf(namespace), ...moved });
        if (moved.liveReason) addMessage(deps.results.warnings, namespace, `PersistentVolumeClaim ${namespace}/${claim}: data read from the live claim, not a point-in-time copy: ${moved.liveReason}`);
        deps.log?.info(`moved PersistentVolumeClaim ${namespace}/${claim}`, { snapshotId: moved.snapshotId, bytes: moved.bytes, files: moved.files, source: moved.source });
      } catch (err) {
        if (err instanceof MovePendingError) {
          deps.log?.info(`PersistentVolumeClaim ${namespace}/${claim}: its move continues in a fresh invocation`, { job: err.job });
          outcome.pending.push(...claims.slice(i));
          return;
        }
        if (!(err instanceof MoverError)) throw err;
        fail(namespace, claim, err.kind === 'wrong-password'
          ? `backup ${backup}: the kopia repository of namespace ${namespace} refused the repository password (is volumeData.repositoryPassword the one it was created with?)`
          : err.message);
      }
    }
  });
  return outcome;
}

/** Has the mover delete what killed runs left in the cluster, and logs what it did (problems never stop the run). */
export async function sweepLeftovers(mover: VolumeMover, log: VolumeDataDeps['log']): Promise<void> {
  const report = await mover.sweep?.();
  if (!report) return;
  if (report.deleted.length) log?.info(`deleted the objects of ${report.deleted.length} mover(s) left by runs that ended without removing them`, { movers: report.deleted });
  for (const problem of report.problems) (log?.warn ?? log?.info)?.call(log, `mover clean-up: ${problem}`);
}

/** ferry-volume-data.json for the manifest, from every snapshot taken and claim failed. */
export function volumeDataFiles(volumes: readonly VolumeDataEntry[], failed: readonly VolumeDataFailure[], claims: readonly string[]): [BackupFile, Uint8Array][] {
  if (claims.length === 0) return [];
  return [['volumeData', Buffer.from(serializeVolumeData([...volumes], [...failed]), 'utf8')]];
}

/** true when the claim is Bound, else why there is nothing to move. */
async function boundOrReason(cluster: Cluster, namespace: string, claim: string): Promise<true | string> {
  try {
    const pvc = await cluster.read('v1', 'PersistentVolumeClaim', claim, namespace);
    if (!pvc) return 'it was deleted during the backup';
    const phase = (pvc.status as { phase?: string } | undefined)?.phase;
    return phase === 'Bound' ? true : `it is not bound to a volume (phase ${phase ?? 'unknown'})`;
  } catch (err) {
    if (!(err instanceof ClusterError)) throw err;
    return `it could not be read (${err.message})`;
  }
}

/** The backed-up pods (`namespace/name`), read for their volumes and annotations; pods gone since are left out. */
async function readPods(cluster: Cluster, keys: readonly string[]): Promise<KubeObject[]> {
  const pods: KubeObject[] = [];
  await runPool([...keys].sort(), 4, async (key) => {
    const [namespace = '', name = ''] = key.split('/');
    const pod = await cluster.read('v1', 'Pod', name, namespace).catch((err: unknown) => {
      if (err instanceof ClusterError) return undefined;
      throw err;
    });
    if (pod) pods.push(pod);
  });
  return pods;
}

/** The resource list without the claims the data pass took charge of (what the CSI snapshot pass then sees). */
export function withoutClaims(resourceList: Record<string, string[]>, claims: readonly string[]): Record<string, string[]> {
  if (claims.length === 0) return resourceList;
  const taken = new Set(claims);
  const list = resourceList['v1/PersistentVolumeClaim'] ?? [];
  return { ...resourceList, 'v1/PersistentVolumeClaim': list.filter((c) => !taken.has(c)) };
}
