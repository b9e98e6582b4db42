/**
 * Deleting a backup: its files (the manifest first, so it stops being committed at once, then velero-backup.json,
 * then the rest) and then its catalog entry, which turns Deleting before the first file goes so that an interrupted
 * deletion is finished by the next run or by expiry. S3 refusing a delete of a protected object (object lock
 * retention, legal hold) is reported per object, never forced; refusing it for want of permission is
 * DeleteDeniedError. Expiry and `ferry backups delete` (and the functions' delete
 * request) share it; a user's delete also frees the name for a new backup.
 */
import { StoreError } from '../store/errors.js';
import type { ObjectInfo } from '../store/object-store.js';
import { BackupObjectError, parseBackupObject, phaseState, type BackupInfo } from './backup-object.js';
import { readCatalogEntry, updateCatalogEntry, type CatalogEntry, type UpdateOptions } from './catalog-entry.js';
import { moveLegacyCatalog } from './legacy-catalog.js';
import { BackupInUseError, DeleteDeniedError, NoSuchBackupError } from './errors.js';
import { emptyCounts, limitsOf, type CatalogDeps } from './types.js';
import { BACKUP_OBJECT_FILE, listBackupFiles, MANIFEST_FILE } from './validate.js';
import { deleteVolumeSnapshots, VolumeDataKeptError, type VolumeDataExpirer } from './volume-data-expiry.js';

/** What removing a backup did. */
export interface RemoveOutcome {
  /** deleted: every file and the catalog entry; partly-deleted: some objects were protected; protected: nothing could be deleted. */
  action: 'deleted' | 'partly-deleted' | 'protected';
  /** Keys deleted, the catalog entry's included. */
  keys: string[];
  /** Objects S3 refused to delete, with its answer. */
  protected: { key: string; reason: string }[];
  /** kopia snapshots of the backup's volume data that were deleted (a user's delete). */
  snapshots?: string[];
}

/** How one removal records itself. */
export interface RemoveOptions extends UpdateOptions {
  /** The problem the Deleting catalog entry shows while the files go (`expired at ...: being deleted`). */
  reason: string;
  expires?: string;
  /** Whether an entry found at the end may be deleted (a new backup of the same name may have been indexed meanwhile). */
  mayDeleteEntry: (entry: CatalogEntry, deletedAny: boolean) => boolean;
}

/** Deletes a backup's files and then its catalog entry; stops at the first protected object only if it is the first. */
export async function removeBackup(name: string, files: ObjectInfo[], deps: CatalogDeps, options: RemoveOptions): Promise<RemoveOutcome> {
  const { store, layout } = deps;
  const now = deps.now();
  const catalog = (await readCatalogEntry(store, layout, name)).entry;
  const keys = orderForDeletion(files, layout.backupPrefix(name));
  if (keys.length > 0) {
    await updateCatalogEntry(store, layout, name, async (current) => (current?.phase === 'Deleting' ? { keep: true }
      : { write: { ...(current ?? stubEntry(name, now, options.expires)), phase: 'Deleting', problems: [options.reason] } }), options);
  }
  const deleted: string[] = [];
  const refused: { key: string; reason: string }[] = [];
  for (const key of keys) {
    try {
      await store.delete(key);
      deleted.push(key);
    } catch (err) {
      const reason = protectionOf(err);
      if (!reason) {
        // Nothing deleted yet: the backup is whole, and its entry goes back to what it was.
        if (deleted.length === 0) await restoreEntry(deps, name, catalog, options);
        const denied = deleteDenialOf(err);
        if (denied) throw new DeleteDeniedError(key, denied, { cause: err });
        throw err;
      }
      refused.push({ key, reason });
      // The commit marker could not go: the backup stays whole and committed; put its catalog entry back.
      if (deleted.length === 0) {
        await restoreEntry(deps, name, catalog, options);
        deps.log.warn(`delete ${name}: ${key} is protected; nothing deleted`, { backup: name, key, reason });
        return { action: 'protected', keys: [], protected: refused };
      }
    }
  }
  if (refused.length > 0) {
    await updateCatalogEntry(store, layout, name, async (current) => (current?.phase !== 'Deleting' ? { keep: true }
      : { write: { ...current, problems: refused.map((r) => `${r.key} could not be deleted: ${r.reason}`) } }), options);
    deps.log.warn(`delete ${name}: ${refused.length} objects are protected and were left`, { backup: name });
    return { action: 'partly-deleted', keys: deleted, protected: refused };
  }
  await updateCatalogEntry(store, layout, name, async (current) => (current === undefined || options.mayDeleteEntry(current, keys.length > 0) ? { delete: true } : { keep: true }), options);
  deps.log.info(`delete ${name}: deleted ${deleted.length} objects and the catalog entry`, { backup: name });
  return { action: 'deleted', keys: catalog || keys.length ? [...deleted, layout.catalogKey(name)] : deleted, protected: [] };
}

/** Options of a user's delete. */
export interface DeleteOptions extends UpdateOptions {
  /** Delete a backup even though it says it is still being written (its writer crashed or was killed). */
  force?: boolean;
  /** Deletes the backup's kopia snapshots first (the location's volumeData settings); without it, a backup with volume data is kept. */
  volumeData?: VolumeDataExpirer;
}

/**
 * Deletes the backup `name` as a user asks: refuses a backup that does not exist (NoSuchBackupError) and one still
 * being written unless forced (BackupInUseError); deletes its kopia snapshots as expiry does, and keeps every file
 * when they cannot be (VolumeDataKeptError: a wrong password, kopia that cannot run, no volumeData settings), so
 * that nothing is orphaned; otherwise removes it, protected objects reported.
 */
export async function deleteBackup(name: string, deps: CatalogDeps, options: DeleteOptions = {}): Promise<RemoveOutcome> {
  await moveLegacyCatalog(deps.store, deps.layout, deps.log);
  const files = await listBackupFiles(deps, name);
  const catalog = (await readCatalogEntry(deps.store, deps.layout, name)).entry;
  if (files.length === 0 && !catalog) throw new NoSuchBackupError(name);
  const prefix = deps.layout.backupPrefix(name);
  const info = await readBackupInfo(deps, files.find((f) => f.key === prefix + BACKUP_OBJECT_FILE), name);
  const running = catalog?.phase === 'Deleting' ? undefined : inProgress(info, catalog, new Set(files.map((f) => f.key.slice(prefix.length))));
  if (running && !options.force) throw new BackupInUseError(name, running);
  const volume = await deleteVolumeSnapshots(name, files, deps, options.volumeData).catch((err: unknown) => {
    if (err instanceof VolumeDataKeptError) throw err;
    throw new VolumeDataKeptError(`${(err as Error)?.message ?? String(err)}: the backup is kept whole`, { cause: err });
  });
  if (volume?.namespaces.length) await options.volumeData?.maintain(volume.namespaces);
  const removed = await removeBackup(name, files, deps, {
    ...options, reason: `deleted by request at ${deps.now().toISOString()}: being deleted`, ...(info?.expires ? { expires: info.expires } : {}),
    mayDeleteEntry: (entry, deletedAny) => entry.phase === 'Deleting' || !deletedAny,
  });
  return volume?.snapshots.length ? { ...removed, snapshots: volume.snapshots } : removed;
}

/** Why a backup counts as still being written, or undefined. */
export function inProgress(info: BackupInfo | undefined, catalog: CatalogEntry | undefined, files: Set<string>): string | undefined {
  if (files.size === 0) return undefined;
  if (!info) {
    if (!files.has(BACKUP_OBJECT_FILE)) return catalog && catalog.phase !== 'Incomplete' ? undefined : `${BACKUP_OBJECT_FILE} has not been written yet`;
    return undefined;
  }
  const state = phaseState(info.phase);
  if (state !== 'finished') return `${BACKUP_OBJECT_FILE} says phase ${info.phase ?? '(none)'}`;
  const failed = info.phase === 'Failed' || info.phase === 'FailedValidation';
  if (info.ferry && !files.has(MANIFEST_FILE) && !failed) return `${MANIFEST_FILE} has not been written yet`;
  return undefined;
}

/** velero-backup.json parsed, or undefined when it is missing, too large or unreadable. */
export async function readBackupInfo(deps: CatalogDeps, file: ObjectInfo | undefined, name: string): Promise<BackupInfo | undefined> {
  if (!file || file.size > limitsOf(deps).maxMetadataBytes) return undefined;
  try {
    return parseBackupObject((await deps.store.getBytes(file.key)).bytes, name);
  } catch (err) {
    if (err instanceof BackupObjectError) return undefined;
    throw err;
  }
}

/** The manifest first (the backup stops being committed), then the Backup object, then the rest. */
export function orderForDeletion(files: ObjectInfo[], prefix: string): string[] {
  const rank = (key: string) => (key === prefix + MANIFEST_FILE ? 0 : key === prefix + BACKUP_OBJECT_FILE ? 1 : 2);
  return files.map((f) => f.key).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

async function restoreEntry(deps: CatalogDeps, name: string, previous: CatalogEntry | undefined, options: UpdateOptions): Promise<void> {
  await updateCatalogEntry(deps.store, deps.layout, name, async (current) => {
    if (current?.phase !== 'Deleting') return { keep: true };
    return previous ? { write: previous } : { delete: true };
  }, options);
}

function stubEntry(name: string, now: Date, expires: string | undefined): CatalogEntry {
  return {
    apiVersion: 'ferry.dev/v1', kind: 'CatalogEntry', name, phase: 'Deleting', format: 'velero', counts: emptyCounts(), size: 0,
    verified: false, problems: [], indexedAt: now.toISOString(), fingerprint: '', ...(expires ? { expires } : {}),
  };
}

/**
 * S3's answer when it refuses to delete an object because the object is protected: object lock retention or a
 * legal hold (`AccessDenied` "Access Denied because object protected by object lock", or `ObjectLocked`).
 */
export function protectionOf(err: unknown): string | undefined {
  const { code, message } = s3Answer(err);
  if (code === 'ObjectLocked' || /object lock|legal hold|retention/i.test(message ?? '')) return `${code ?? 'HTTP 403'}: ${message ?? 'object locked'}`;
  return undefined;
}

/**
 * S3's answer when it refuses a delete for any other reason of access: the role lacks s3:DeleteObject, or a policy
 * denies it. NOTE: S3 says AccessDenied for both this and object lock; only the message tells them apart.
 */
export function deleteDenialOf(err: unknown): string | undefined {
  const { code, message, status } = s3Answer(err);
  if (code === 'AccessDenied' || code === 'Forbidden' || status === 403) return `${code ?? 'HTTP 403'}: ${message ?? 'access denied'}`;
  return undefined;
}

function s3Answer(err: unknown): { code?: string; message?: string; status?: number } {
  const cause = (err instanceof StoreError ? err.cause : err) as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return { code: cause?.Code ?? cause?.name, message: cause?.message || undefined, status: cause?.$metadata?.httpStatusCode };
}
