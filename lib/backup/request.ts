import type { BackupDocument, BackupSpec } from '../spec/backup-spec.js';
import { backupFromSchedule } from '../spec/backup-spec.js';
import type { FerryConfig } from '../spec/config.js';
import { scheduledBackupName } from '../store/layout.js';

/** Thrown when a request names no cluster Ferry can pick, or one the config does not define. */
export class SourceClusterError extends Error {
  override name = 'SourceClusterError';
}

/**
 * The backup a document asks for at `now`: the backup itself, or the one a schedule takes, named
 * `<schedule>-<YYYYMMDDHHMMSS>` from `now` (the schedule's firing time). A paused schedule takes none.
 */
export function backupForDocument(doc: BackupDocument, now: Date): { backup: BackupSpec } | { paused: string } {
  if (doc.type === 'backup') return { backup: doc.backup };
  if (doc.schedule.paused) return { paused: doc.schedule.name };
  return { backup: backupFromSchedule(doc.schedule, scheduledBackupName(doc.schedule.name, now)) };
}

/**
 * The cluster to back up: the one the caller names (a CLI flag, an event field), else the spec's sourceCluster,
 * else the config's defaultCluster, else the config's only cluster.
 */
export function chooseSourceCluster(config: FerryConfig, spec: Pick<BackupSpec, 'sourceCluster'>, requested?: string): string {
  const known = Object.keys(config.clusters);
  const name = requested ?? spec.sourceCluster ?? config.defaultCluster ?? (known.length === 1 ? known[0] : undefined);
  if (!name) {
    throw new SourceClusterError(`no cluster to back up: name one (spec.sourceCluster, --cluster, or defaultCluster in the config); the config has ${known.join(', ') || 'none'}`);
  }
  if (!config.clusters[name]) throw new SourceClusterError(`cluster "${name}" is not in the config (known: ${known.join(', ') || 'none'})`);
  return name;
}
