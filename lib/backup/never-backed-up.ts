/**
 * Resources a backup leaves out unless the spec names them in includedResources (by `resource` or
 * `resource.group`, not by `*`), each with the reason. Resources that cannot be listed (no `list` verb, such
 * as tokenreviews or bindings) are never backed up either, whatever the spec says.
 */
export const NEVER_BACKED_UP: Readonly<Record<string, string>> = {
  events: 'a record of what happened in the source cluster; the target writes its own, and old events are noise there',
  'events.events.k8s.io': 'the same events as core "events", served again by the events.k8s.io group',
  nodes: 'the machines of the source cluster; a target cluster registers its own nodes',
  'csinodes.storage.k8s.io': 'per-node CSI driver state of the source cluster, written by kubelets',
  'volumeattachments.storage.k8s.io': 'which source node a volume is attached to; the target attaches its own',
  'leases.coordination.k8s.io': 'leader-election and node-heartbeat locks, held by processes of the source cluster',
  componentstatuses: 'health computed on read from the source control plane (deprecated)',
  'backups.velero.io': 'Velero\'s own records of backups: they live in the bucket, not in the backup',
  'restores.velero.io': 'Velero\'s own records of restores',
  'backuprepositories.velero.io': 'Velero\'s repository state for volume data, owned by its server',
  'resticrepositories.velero.io': 'Velero\'s old repository state for volume data, owned by its server',
};

/** The reason a groupResource is left out by default, or undefined when it is backed up like any other. */
export function neverBackedUpReason(groupResource: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(NEVER_BACKED_UP, groupResource) ? NEVER_BACKED_UP[groupResource] : undefined;
}

/** Velero's label that keeps one object out of every backup. */
export const EXCLUDE_FROM_BACKUP_LABEL = 'velero.io/exclude-from-backup';
