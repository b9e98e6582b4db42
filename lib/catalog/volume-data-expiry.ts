/**
 * Expiry's side of a backup's volume data: before the backup's files go, the kopia snapshots its
 * ferry-volume-data.json lists are deleted from their repositories; after the run, the repositories they were in get
 * maintenance. The port is implemented by lib/volumes/expire-volume-data.ts. A backup whose snapshots cannot be
 * deleted (wrong password, no volume data settings, a record that cannot be read) keeps every file, so that the next
 * run can try again: its record is what says which snapshots are its own.
 */
import { limitsOf, type CatalogDeps } from './types.js';
import type { ObjectInfo } from '../store/object-store.js';

/** What deleting one backup's snapshots did. */
export interface SnapshotsDeleted {
  /** Namespaces whose repositories lost snapshots (their maintenance is due in this run). */
  namespaces: string[];
  snapshots: string[];
  /** What was left and why (a repository that does not exist, a snapshot already gone or tagged with another backup). */
  notes: string[];
}

/** What maintenance did to one repository. */
export interface RepositoryMaintenance {
  namespace: string;
  /** ran: full maintenance ran; not-due: kopia's schedule says later; finished: no more reclaim is watched for; failed. */
  action: 'ran' | 'not-due' | 'finished' | 'failed';
  /** The last snapshot GC's figures, in bytes before compression: marked deleted, unreferenced but too recent, in use. */
  gc?: { deletedBytes: number; unreferencedRecentBytes: number; inUseBytes: number };
  reason?: string;
}

/** Deletes a backup's kopia snapshots, and maintains the repositories afterwards. */
export interface VolumeDataExpirer {
  /** Deletes the snapshots of `backup` its record (ferry-volume-data.json's text) lists; throws with the backup named. */
  deleteSnapshots(backup: string, record: string): Promise<SnapshotsDeleted>;
  /** Full maintenance of the repositories of `namespaces`, and of those still reclaiming from earlier runs when due. */
  maintain(namespaces: readonly string[]): Promise<RepositoryMaintenance[]>;
}

/** Thrown when a backup holding volume data cannot have its snapshots deleted here; its files are kept. */
export class VolumeDataKeptError extends Error {
  override name = 'VolumeDataKeptError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Deletes the snapshots of a backup that has a ferry-volume-data.json; undefined for a backup without one. */
export async function deleteVolumeSnapshots(name: string, files: readonly ObjectInfo[], deps: CatalogDeps, expirer: VolumeDataExpirer | undefined): Promise<SnapshotsDeleted | undefined> {
  const key = deps.layout.backupKey(name, 'volumeData');
  const file = files.find((f) => f.key === key);
  if (!file) return undefined;
  if (!expirer) {
    throw new VolumeDataKeptError(`backup ${name} holds volume data (ferry-volume-data.json) but its storage location has no volumeData settings `
      + 'to open its kopia repositories with: its snapshots cannot be deleted, so the backup is kept');
  }
  const max = limitsOf(deps).maxMetadataBytes;
  if (file.size > max) throw new VolumeDataKeptError(`backup ${name}: ferry-volume-data.json is ${file.size} bytes (at most ${max} are read): the backup is kept`);
  const text = Buffer.from((await deps.store.getBytes(key)).bytes).toString('utf8');
  const deleted = await expirer.deleteSnapshots(name, text);
  for (const note of deleted.notes) deps.log.warn(`expire ${name}: ${note}`, { backup: name });
  if (deleted.snapshots.length) deps.log.info(`expire ${name}: deleted kopia snapshots ${deleted.snapshots.join(', ')}`, { backup: name, namespaces: deleted.namespaces });
  return deleted;
}
