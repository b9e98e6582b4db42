/**
 * The backup's volume-data pass: chooses the claims whose data is moved (select-claims.ts), runs one mover per claim
 * (the claims of one namespace one after another, since they share a repository; namespaces side by side), and
 * returns ferry-volume-data.json for the manifest. A mover that fails or times out makes that claim an error (the
 * backup PartiallyFailed) and the others go on.
 */
import type { Cluster } from '../kube/cluster.js';
import { ClusterError } from '../kube/errors.js';
import type { KubeObject } from '../model/object.js';
import { addMessage, type RunResults } from '../model/results.js';
import { runPool } from '../pool.js';
import type { BackupFile } from '../store/layout.js';
import { MoverError } from './errors.js';
import type { VolumeMover } from './mover.js';
import { claimsToMove, consumerNodes, type MoveSpec } from './select-claims.js';
import { repositoryOf, serializeVolumeData, type VolumeDataEntry, type VolumeDataFailure } from './volume-data-record.js';

/** What the pass needs: the source cluster, the mover (none: data is not moved), and where problems go. */
export interface VolumeDataDeps {
  cluster: Cluster;
  mover?: VolumeMover;
  results: RunResults;
  log?: { info(message: string, data?: Record<string, unknown>): void };
  /** Namespaces moved at once (default 2). */
  concurrency?: number;
}

/** What the pass did: the claims it took charge of (not snapshotted by the CSI pass) and the file to write. */
export interface VolumeDataOutcome {
  claims: string[];
  files: [BackupFile, Uint8Array][];
  volumes: VolumeDataEntry[];
  failed: VolumeDataFailure[];
}

/** Moves the chosen claims' data into the repositories; see the module comment. */
export async function backupVolumeData(input: { spec: MoveSpec & { name: string }; resourceList: Record<string, string[]> },
  deps: VolumeDataDeps): Promise<VolumeDataOutcome> {
  const none: VolumeDataOutcome = { claims: [], files: [], volumes: [], failed: [] };
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
  const mover = deps.mover;
  const nodes = consumerNodes(pods);
  const volumes: VolumeDataEntry[] = [];
  const failed: VolumeDataFailure[] = [];
  const byNamespace = new Map<string, string[]>();
  for (const key of choice.claims) {
    const [namespace = '', claim = ''] = key.split('/');
    byNamespace.set(namespace, [...(byNamespace.get(namespace) ?? []), claim]);
  }
  const fail = (namespace: string, claim: string, reason: string) => {
    failed.push({ namespace, claim, reason });
    addMessage(deps.results.errors, namespace, `PersistentVolumeClaim ${namespace}/${claim}: volume data not backed up: ${reason}`);
  };
  await runPool([...byNamespace.keys()].sort(), deps.concurrency ?? 2, async (namespace) => {
    for (const claim of byNamespace.get(namespace)!) {
      const bound = await boundOrReason(deps.cluster, namespace, claim);
      if (bound !== true) {
        addMessage(deps.results.warnings, namespace, `PersistentVolumeClaim ${namespace}/${claim}: ${bound}: no data to move`);
        continue;
      }
      try {
        deps.log?.info(`moving the data of PersistentVolumeClaim ${namespace}/${claim} into the bucket`);
        const node = nodes.get(`${namespace}/${claim}`);
        const moved = await mover.moveOut({ backup: input.spec.name, namespace, claim, ...(node ? { node } : {}) });
        volumes.push({ namespace, claim, repository: repositoryOf(namespace), ...moved });
        deps.log?.info(`moved PersistentVolumeClaim ${namespace}/${claim}`, { snapshotId: moved.snapshotId, bytes: moved.bytes, files: moved.files });
      } catch (err) {
        if (!(err instanceof MoverError)) throw err;
        fail(namespace, claim, err.kind === 'wrong-password'
          ? `backup ${input.spec.name}: the kopia repository of namespace ${namespace} refused the repository password (is volumeData.repositoryPassword the one it was created with?)`
          : err.message);
      }
    }
  });
  const record = Buffer.from(serializeVolumeData(volumes, failed), 'utf8');
  return { claims: choice.claims, files: [['volumeData', record]], volumes, failed };
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
