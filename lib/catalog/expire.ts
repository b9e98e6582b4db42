/**
 * Expiry: deletes every backup whose expiration has passed, then its catalog entry. A backup still being written
 * is never touched, unless it is a Ferry backup whose writer is gone (see `abandoned`). S3 refusing a delete
 * of a protected object (retention, legal hold) is reported, never forced; refusing it for want of permission
 * stops the run with DeleteDeniedError, since every other delete would be refused too. The catalog entry turns
 * Deleting before the first delete (see delete-backup.ts), so
 * an interrupted expiry resumes on the next run even though the commit marker is already gone. A dry run lists
 * what would be deleted and changes nothing. Before expiring, each run records abandoned backups Failed and aborts
 * multipart uploads older than a day (lib/catalog/abandoned.ts). A backup with volume data has its kopia snapshots
 * deleted before its files, and the run ends with maintenance of the repositories they were in
 * (lib/catalog/volume-data-expiry.ts).
 */
import type { ObjectInfo, OpenUpload } from '../store/object-store.js';
import { abortUploads, isStaleUpload, settleAbandoned, type Settled } from './abandoned.js';
import type { BackupInfo } from './backup-object.js';
import { readCatalogEntry, type UpdateOptions } from './catalog-entry.js';
import { inProgress, orderForDeletion, readBackupInfo, removeBackup } from './delete-backup.js';
import { DeleteDeniedError } from './errors.js';
import { moveLegacyCatalog } from './legacy-catalog.js';
import type { CatalogDeps } from './types.js';
import { deleteVolumeSnapshots, type RepositoryMaintenance, type VolumeDataExpirer } from './volume-data-expiry.js';
import { BACKUP_OBJECT_FILE } from './validate.js';

export { deleteDenialOf, protectionOf } from './delete-backup.js';

/** What expiry did, or would do, with one backup. */
export interface ExpireAction {
  backup: string;
  expires?: string;
  /** deleted: every file and the catalog entry; partly-deleted: some objects were protected; protected: nothing could be deleted. */
  action: 'deleted' | 'would-delete' | 'partly-deleted' | 'protected' | 'skipped' | 'failed';
  /** Keys deleted (or, in a dry run, that would be). */
  keys: string[];
  /** Objects S3 refused to delete, with its answer. */
  protected: { key: string; reason: string }[];
  reason?: string;
  /** kopia snapshots of the backup's volume data that were deleted. */
  snapshots?: string[];
}

/** The report of one expiry run. */
export interface ExpireReport {
  dryRun: boolean;
  now: string;
  actions: ExpireAction[];
  /** Backups not expired yet. */
  kept: number;
  /** Backups whose writer was gone, recorded Failed (lib/catalog/abandoned.ts); in a dry run, none. */
  settled: Settled[];
  /** Keys of multipart uploads older than a day that were aborted (in a dry run: that would be). */
  abortedUploads: string[];
  /** Maintenance of the kopia repositories snapshots were deleted from (now or in earlier runs, still reclaiming). */
  maintenance?: RepositoryMaintenance[];
}

/** Options of an expiry run. */
export interface ExpireOptions extends UpdateOptions {
  dryRun?: boolean;
  /** Deletes backups' kopia snapshots and maintains their repositories (the location's volumeData settings). */
  volumeData?: VolumeDataExpirer;
}

/** Deletes expired backups of one location. */
export async function expireBackups(deps: CatalogDeps, options: ExpireOptions = {}): Promise<ExpireReport> {
  const now = deps.now();
  const report: ExpireReport = { dryRun: options.dryRun ?? false, now: now.toISOString(), actions: [], kept: 0, settled: [], abortedUploads: [] };
  const folders = new Map<string, ObjectInfo[]>();
  for await (const o of deps.store.list(deps.layout.backupsPrefix())) {
    const backup = deps.layout.backupOfKey(o.key);
    if (backup) folders.set(backup, [...(folders.get(backup) ?? []), o]);
  }
  await cleanUpAfterWriters(folders, now, deps, report);
  // A dry run changes nothing: it does not move the catalog's old folder, and so does not see what only that lists.
  if (!report.dryRun) await moveLegacyCatalog(deps.store, deps.layout, deps.log);
  const names = new Set(folders.keys());
  for await (const o of deps.store.list(deps.layout.catalogPrefix())) {
    const name = o.key.slice(deps.layout.catalogPrefix().length).replace(/\.json$/, '');
    if (!name.includes('/')) names.add(name);
  }
  const touched = new Set<string>();
  for (const name of [...names].sort()) {
    try {
      const action = await expireOne(name, folders.get(name) ?? [], now, deps, options, touched);
      if (action) report.actions.push(action);
      else report.kept++;
    } catch (err) {
      // Every other delete would be refused the same way: the run stops and fails, loudly.
      if (err instanceof DeleteDeniedError) throw err;
      deps.log.warn(`expire ${name} failed: ${(err as Error)?.message ?? String(err)}`, { backup: name, error: err });
      report.actions.push({ backup: name, action: 'failed', keys: [], protected: [], reason: (err as Error)?.message ?? String(err) });
    }
  }
  if (!report.dryRun && options.volumeData) report.maintenance = await maintainRepositories(options.volumeData, touched, deps);
  return report;
}

/** Maintains the repositories; a failure is logged and reported, never fatal (nothing is lost by trying again later). */
async function maintainRepositories(expirer: VolumeDataExpirer, touched: Set<string>, deps: CatalogDeps): Promise<RepositoryMaintenance[]> {
  try {
    const done = await expirer.maintain([...touched].sort());
    for (const m of done) {
      const line = `expire: kopia repository of namespace ${m.namespace}: maintenance ${m.action}${m.reason ? ` (${m.reason})` : ''}`;
      if (m.action === 'failed') deps.log.warn(line, { namespace: m.namespace });
      else deps.log.info(line, { namespace: m.namespace, ...(m.gc ? { gc: m.gc } : {}) });
    }
    return done;
  } catch (err) {
    deps.log.warn(`expire: repository maintenance failed: ${(err as Error).message}`, { error: err });
    return [...touched].map((namespace) => ({ namespace, action: 'failed', reason: (err as Error).message }));
  }
}

/** Records abandoned backups Failed and aborts multipart uploads older than a day, before anything is expired. */
async function cleanUpAfterWriters(folders: Map<string, ObjectInfo[]>, now: Date, deps: CatalogDeps, report: ExpireReport): Promise<void> {
  const stale = (u: OpenUpload) => isStaleUpload(u, now);
  if (report.dryRun) {
    for await (const u of deps.store.listUploads(deps.layout.backupsPrefix())) if (stale(u)) report.abortedUploads.push(u.key);
    return;
  }
  for (const [name, files] of folders) {
    const keys = new Set(files.map((f) => f.key));
    // Only an uncommitted backup can be abandoned: one with a manifest is never read here.
    if (!keys.has(deps.layout.backupKey(name, 'backup')) || keys.has(deps.layout.backupKey(name, 'manifest'))) continue;
    try {
      const settled = await settleAbandoned(name, deps);
      if (settled) report.settled.push(settled);
    } catch (err) {
      deps.log.warn(`expire ${name}: could not record its abandoned run Failed: ${(err as Error).message}`, { backup: name });
    }
  }
  report.abortedUploads.push(...await abortUploads(deps, deps.layout.backupsPrefix(), stale));
  if (report.abortedUploads.length) deps.log.info(`expire: aborted ${report.abortedUploads.length} multipart uploads older than a day`, { keys: report.abortedUploads });
}

async function expireOne(name: string, files: ObjectInfo[], now: Date, deps: CatalogDeps, options: ExpireOptions, touched: Set<string>): Promise<ExpireAction | undefined> {
  const { store, layout } = deps;
  const prefix = layout.backupPrefix(name);
  const catalog = (await readCatalogEntry(store, layout, name)).entry;
  const fileNames = new Set(files.map((f) => f.key.slice(prefix.length)));
  const info = await readBackupInfo(deps, files.find((f) => f.key === prefix + BACKUP_OBJECT_FILE), name);
  const expires = info?.expires ?? catalog?.expires;
  const resuming = catalog?.phase === 'Deleting';
  const skip = (reason: string): ExpireAction => ({ backup: name, ...(expires ? { expires } : {}), action: 'skipped', keys: [], protected: [], reason });
  let abandonment: string | undefined;

  if (!resuming) {
    if (!expires) return files.length ? skip('no expiration is known (no readable velero-backup.json or catalog entry)') : undefined;
    if (Date.parse(expires) > now.getTime()) return undefined;
    const running = inProgress(info, catalog, fileNames);
    if (running && !abandoned(info, files, now)) return skip(`still in progress: ${running}`);
    if (running) {
      abandonment = `abandoned: ${running}, and no file of it was written for ${ABANDONED_AFTER_HOURS} hours`;
      deps.log.info(`expire ${name}: ${abandonment}`, { backup: name });
    }
  }
  const keys = orderForDeletion(files, prefix);
  if (options.dryRun) {
    return { backup: name, ...(expires ? { expires } : {}), action: 'would-delete', keys: catalog ? [...keys, layout.catalogKey(name)] : keys, protected: [], ...(abandonment ? { reason: abandonment } : {}) };
  }
  // The snapshots first: should that fail, the backup keeps its record of them and the next run tries again.
  const volume = await deleteVolumeSnapshots(name, files, deps, options.volumeData);
  for (const namespace of volume?.namespaces ?? []) touched.add(namespace);
  // A new backup of the same name may have been indexed meanwhile: only an entry that is Deleting goes (or, for a
  // backup whose files were already gone, one that is still expired).
  const removed = await removeBackup(name, files, deps, {
    ...options, reason: `expired at ${expires}: being deleted`, ...(expires ? { expires } : {}),
    mayDeleteEntry: (e, deletedAny) => e.phase === 'Deleting' || (!deletedAny && e.expires !== undefined && Date.parse(e.expires) <= now.getTime()),
  });
  return { backup: name, ...(expires ? { expires } : {}), ...removed, ...(abandonment && removed.action === 'deleted' ? { reason: abandonment } : {}),
    ...(volume?.snapshots.length ? { snapshots: volume.snapshots } : {}) };
}

/** Hours without a write after which an expired Ferry backup still in progress is taken for abandoned. */
const ABANDONED_AFTER_HOURS = 6;

/**
 * True for a Ferry backup whose writer is gone: expired, and none of its files changed for ABANDONED_AFTER_HOURS.
 * A backup function runs 15 minutes at most; only a `ferry backup` run from a laptop lasting over six hours, of a
 * backup whose ttl is shorter than that, could be taken for abandoned while alive (its tarball is invisible until
 * its upload completes). Velero's backups are never taken for abandoned: Velero's server owns them and fails its
 * own on restart.
 */
function abandoned(info: BackupInfo | undefined, files: ObjectInfo[], now: Date): boolean {
  if (!info?.ferry || files.length === 0) return false;
  const quietSince = now.getTime() - ABANDONED_AFTER_HOURS * 3_600_000;
  return files.every((f) => f.lastModified !== undefined && f.lastModified.getTime() <= quietSince);
}
