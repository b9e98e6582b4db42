import type { KubeObject } from '../model/object.js';

/** Velero's restore priorities: `high` first in this order, then every other resource alphabetically, then `low`. */
export interface RestorePriorities {
  high: readonly string[];
  low: readonly string[];
}

/** Velero's default restore priorities (pkg/cmd/server defaultRestorePriorities), and Ferry's RBAC roles after them. */
export const RESTORE_PRIORITIES: RestorePriorities = {
  high: [
    'customresourcedefinitions',
    'namespaces',
    'storageclasses',
    // NOTE: Velero's list spells this one in the singular; kept as Velero has it, so it matches the same things.
    'volumesnapshotclass.snapshot.storage.k8s.io',
    'volumesnapshotcontents.snapshot.storage.k8s.io',
    'volumesnapshots.snapshot.storage.k8s.io',
    'datauploads.velero.io',
    'persistentvolumes',
    'persistentvolumeclaims',
    'serviceaccounts',
    'secrets',
    'configmaps',
    'limitranges',
    'pods',
    'replicasets.apps',
    'clusterclasses.cluster.x-k8s.io',
    'endpoints',
    'services',
    // Ferry's addition to Velero's list: a binding created without the `bind` verb is checked against the role it
    // names, which must exist by then (alphabetically, rolebindings would come before roles).
    'clusterroles.rbac.authorization.k8s.io',
    'roles.rbac.authorization.k8s.io',
  ],
  low: [
    'clusterbootstraps.run.tanzu.vmware.com',
    'clusters.cluster.x-k8s.io',
    'clusterresourcesets.addons.cluster.x-k8s.io',
  ],
};

/**
 * True when a priority entry names `groupResource`. A qualified entry must match exactly; a bare one
 * (`storageclasses`) names the resource in the core group or a Kubernetes group (`storage.k8s.io`), as
 * Velero's discovery lookup resolves it.
 */
export function priorityEntryMatches(entry: string, groupResource: string): boolean {
  if (entry === groupResource) return true;
  if (entry.includes('.') || !groupResource.startsWith(`${entry}.`)) return false;
  return groupResource.slice(entry.length + 1).endsWith('k8s.io');
}

/** The rank of a groupResource: its place in `high`, after them the rest, then its place in `low`. */
export function restoreRank(groupResource: string, priorities: RestorePriorities = RESTORE_PRIORITIES): number {
  const high = priorities.high.findIndex((e) => priorityEntryMatches(e, groupResource));
  if (high >= 0) return high;
  const low = priorities.low.findIndex((e) => priorityEntryMatches(e, groupResource));
  return low >= 0 ? priorities.high.length + 1 + low : priorities.high.length;
}

/**
 * Sorts items into apply order: by priority rank, then (for the unlisted rest) groupResource alphabetically,
 * then namespace and name. Returns a new array; the input is not changed.
 */
export function orderForRestore<T extends { groupResource: string; object: KubeObject }>(items: readonly T[],
  priorities: RestorePriorities = RESTORE_PRIORITIES): T[] {
  const keyed = items.map((item) => ({
    item, rank: restoreRank(item.groupResource, priorities),
    ns: item.object.metadata.namespace ?? '', name: item.object.metadata.name ?? '',
  }));
  keyed.sort((a, b) => a.rank - b.rank || compare(a.item.groupResource, b.item.groupResource)
    || compare(a.ns, b.ns) || compare(a.name, b.name));
  return keyed.map((k) => k.item);
}

/** GroupResources in apply order: by priority rank, then alphabetically (orderForRestore's order of groups). */
export function orderGroupResources(groupResources: Iterable<string>, priorities: RestorePriorities = RESTORE_PRIORITIES): string[] {
  return [...groupResources].map((gr) => ({ gr, rank: restoreRank(gr, priorities) }))
    .sort((a, b) => a.rank - b.rank || compare(a.gr, b.gr)).map((k) => k.gr);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
