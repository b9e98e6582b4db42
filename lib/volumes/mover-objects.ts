/**
 * The objects a move leaves in a cluster (its Job and the Job's pods, its Secret, and for a backup read from a snapshot
 * the clone claim and the VolumeSnapshot), all named as the Job and labelled `ferry.dev/mover=<name>`, and what
 * becomes of them when the process that made them is killed:
 *
 * - Each carries the run it belongs to (`ferry.dev/mover-run`: the backup's start time, or the restore's) so that a
 *   later invocation adopts a running move only when it continues the same run: a backup name used again after a
 *   delete gets the same Job name, and the older run's Job is replaced, not adopted.
 * - Each carries the time after which no run can still be waiting for it (`ferry.dev/mover-expires`: the move's
 *   deadline plus a grace for the invocation that would adopt it), so that any later backup or restore in the cluster
 *   deletes what a killed process left (sweepMovers). Objects made before these annotations: a day after creation.
 */
import type { ApiResource, Cluster } from '../kube/cluster.js';
import { ClusterError } from '../kube/errors.js';
import { isRecord, splitApiVersion, type KubeObject } from '../model/object.js';
import { SNAPSHOT_API_VERSION } from '../backup/volumes/claims.js';
import { MOVER_LABEL } from './job-manifest.js';
import { removeClone, type CloneTiming } from './snapshot-clone.js';
import { MoverError } from './errors.js';

/** The run a mover object belongs to (`backup/<name>/<startTimestamp>`, `restore/<name>/<startedAt>`). */
export const RUN_ANNOTATION = 'ferry.dev/mover-run';

/** When the object may be deleted by any run (RFC 3339). */
export const EXPIRES_ANNOTATION = 'ferry.dev/mover-expires';

/** How long after a move's deadline its objects are kept for the invocation that would adopt them. */
export const ADOPTION_GRACE_MS = 10 * 60_000;

/** How long objects without EXPIRES_ANNOTATION (made by an older Ferry) are kept after their creation. */
export const UNMARKED_LIFETIME_MS = 24 * 3_600_000;

/** The annotations of one mover object. */
export function moverMarks(run: string, expiresAt: number): Record<string, string> {
  return { [RUN_ANNOTATION]: run, [EXPIRES_ANNOTATION]: new Date(expiresAt).toISOString() };
}

/** The run an object belongs to ('' for one made before runs were marked). */
export function runOf(object: KubeObject): string {
  return object.metadata.annotations?.[RUN_ANNOTATION] ?? '';
}

/** When an object may be deleted by any run, in ms since the epoch (NaN when it says nothing usable). */
export function expiryOf(object: KubeObject): number {
  const marked = Date.parse(object.metadata.annotations?.[EXPIRES_ANNOTATION] ?? '');
  if (!Number.isNaN(marked)) return marked;
  return Date.parse(String(object.metadata.creationTimestamp ?? '')) + UNMARKED_LIFETIME_MS;
}

/** What a sweep did: the moves whose objects it deleted (`namespace/name`) and what it could not look at. */
export interface SweepReport {
  deleted: string[];
  problems: string[];
}

/** The kinds of a move's objects, pods aside (they go with their Job). */
const MOVER_KINDS: [string, string][] = [['batch/v1', 'Job'], ['v1', 'Secret'], ['v1', 'PersistentVolumeClaim'], [SNAPSHOT_API_VERSION, 'VolumeSnapshot']];

/**
 * Deletes every move's objects, cluster-wide, once all of them have expired (a move whose Job, Secret, clone claim
 * or VolumeSnapshot still has time is left whole). Listing Secrets needs no right the functions lack: backup-reader
 * and restore-writer already list them.
 */
export async function sweepMovers(cluster: Cluster, now: number): Promise<SweepReport> {
  const report: SweepReport = { deleted: [], problems: [] };
  const resources = (await cluster.discover()).resources;
  const latest = new Map<string, number>();
  for (const [apiVersion, kind] of MOVER_KINDS) {
    const { group, version } = splitApiVersion(apiVersion);
    const resource = resources.find((r) => r.group === group && r.version === version && r.kind === kind);
    if (!resource) continue;
    try {
      for (const object of await listMarked(cluster, resource)) {
        const key = `${object.metadata.namespace ?? ''}/${object.metadata.labels?.[MOVER_LABEL] ?? ''}`;
        const expiry = expiryOf(object);
        latest.set(key, Math.max(latest.get(key) ?? -Infinity, Number.isNaN(expiry) ? Infinity : expiry));
      }
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      report.problems.push(`${kind} objects of movers could not be listed: ${err.message}`);
    }
  }
  for (const [key, expiry] of [...latest].sort(([a], [b]) => a.localeCompare(b))) {
    if (expiry > now) continue;
    const [namespace = '', name = ''] = key.split('/');
    if (!name) continue;
    await removeMover(cluster, namespace, name);
    report.deleted.push(key);
  }
  return report;
}

async function listMarked(cluster: Cluster, resource: ApiResource): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  let continueToken: string | undefined;
  do {
    const page = await cluster.listPage(resource, { labelSelector: MOVER_LABEL, limit: 500, ...(continueToken ? { continueToken } : {}) });
    items.push(...page.items);
    continueToken = page.continueToken;
  } while (continueToken);
  return items;
}

/** Deletes one move's Job, its pods, its Secret, and its clone claim and VolumeSnapshot if it has them; best effort. */
export async function removeMover(cluster: Cluster, namespace: string, name: string): Promise<void> {
  const quietly = (p: Promise<unknown>) => p.catch(() => undefined);
  await quietly(cluster.delete('batch/v1', 'Job', name, namespace));
  const pods = await podsOf(cluster, namespace, name).catch(() => []);
  await Promise.all([
    ...pods.map((p) => quietly(cluster.delete('v1', 'Pod', p.metadata.name ?? '', namespace))),
    quietly(cluster.delete('v1', 'Secret', name, namespace)),
  ]);
  const resources = (await cluster.discover()).resources;
  const { group, version } = splitApiVersion(SNAPSHOT_API_VERSION);
  if (resources.some((r) => r.group === group && r.version === version && r.kind === 'VolumeSnapshot')) await removeClone(cluster, namespace, name);
  else await quietly(cluster.delete('v1', 'PersistentVolumeClaim', name, namespace));
}

/** The pods of mover `name` (of its Job `jobUid` only, when given: a replaced Job's pods may still be going). */
export async function podsOf(cluster: Cluster, namespace: string, name: string, jobUid?: string): Promise<KubeObject[]> {
  const discovery = await cluster.discover();
  const pods = discovery.resources.find((r) => r.group === '' && r.version === 'v1' && r.resource === 'pods');
  if (!pods) throw new MoverError('the cluster does not serve v1 pods');
  const items = (await cluster.listPage(pods, { namespace, labelSelector: `${MOVER_LABEL}=${name}`, limit: 10 })).items;
  const owned = (p: KubeObject) => Array.isArray(p.metadata.ownerReferences) && p.metadata.ownerReferences.some((o) => isRecord(o) && o.uid === jobUid);
  return jobUid ? items.filter(owned) : items;
}

/**
 * Removes what an earlier run left under a move's name (a Job of another run; a clone claim or VolumeSnapshot
 * whose Job was never made; their Secret) and waits until it is gone, so that the move's own objects can be created under the
 * same name. Throws MoverError when it is still there at the deadline.
 */
export async function replaceLeftovers(cluster: Cluster, namespace: string, name: string, timing: CloneTiming): Promise<void> {
  await removeMover(cluster, namespace, name);
  const deadline = timing.now() + timing.timeoutMs;
  let pause = timing.pollMs ?? 250;
  for (;;) {
    const left: string[] = [];
    for (const [apiVersion, kind] of MOVER_KINDS) {
      const object = await cluster.read(apiVersion, kind, name, namespace).catch((err: unknown) => {
        if (err instanceof ClusterError) return undefined;
        throw err;
      });
      if (object) left.push(kind);
    }
    if (left.length === 0) return;
    if (timing.now() >= deadline) throw new MoverError(`the ${left.join(', ')} ${namespace}/${name} an earlier run left were not gone within ${Math.round(timing.timeoutMs / 1000)} s`, 'timeout');
    await timing.sleep(pause);
    pause = Math.min(pause * 2, 5_000);
  }
}
