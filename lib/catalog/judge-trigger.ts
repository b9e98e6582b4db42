/**
 * Which object events judge a backup. A Ferry backup is judged once, on its ferry-manifest.json: the manifest is
 * written last (the commit), so the events of the files before it are left (they would only find the backup
 * incomplete); once it is committed, any event of it goes to indexBackup, which judges again only files that
 * changed since. A Ferry backup that failed writes no manifest; it is judged on the velero-backup.json that records
 * the failure. A Velero backup has no commit marker: Velero writes velero-backup.json first and the tarball next
 * (its other files are not needed to judge it), so it is judged on those two; the second judgement replaces the first.
 */
import { NotFoundError } from '../store/errors.js';
import { BackupObjectError, parseBackupObject, phaseState } from './backup-object.js';
import { limitsOf, type CatalogDeps } from './types.js';
import { BACKUP_OBJECT_FILE, MANIFEST_FILE } from './validate.js';

/** Judge the backup, or why not. */
export type Trigger = { judge: true } | { judge: false; reason: string };

const JUDGE: Trigger = { judge: true };

/** Decides from the keys an event names in the backup `name` (full keys) whether they call for a judgement. */
export async function judgementTrigger(name: string, keys: readonly string[], deps: Pick<CatalogDeps, 'store' | 'layout' | 'limits'>): Promise<Trigger> {
  const prefix = deps.layout.backupPrefix(name);
  const files = new Set(keys.map((k) => k.slice(prefix.length)));
  if (files.has(MANIFEST_FILE)) return JUDGE;
  // Committed: indexBackup judges only files that changed since its last judgement (a late event costs a listing;
  // a file replaced after the commit is judged, and found not to match the manifest).
  if (await deps.store.head(deps.layout.backupKey(name, 'manifest'))) return JUDGE;
  const tarball = `${name}.tar.gz`;
  if (!files.has(BACKUP_OBJECT_FILE) && !files.has(tarball)) {
    return { judge: false, reason: `a backup is judged on its ${MANIFEST_FILE} (Ferry's) or its ${BACKUP_OBJECT_FILE} and tarball (Velero's), not on ${[...files].join(', ')}` };
  }
  const backupKey = deps.layout.backupKey(name, 'backup');
  const head = await deps.store.head(backupKey);
  // Missing (not written yet, or deleted since) or over the size limit: the judgement says so.
  if (!head || head.size > limitsOf(deps).maxMetadataBytes) return JUDGE;
  let bytes: Uint8Array;
  try {
    bytes = (await deps.store.getBytes(backupKey)).bytes;
  } catch (err) {
    if (err instanceof NotFoundError) return JUDGE;
    throw err;
  }
  let info;
  try {
    info = parseBackupObject(bytes, name);
  } catch (err) {
    // An unreadable velero-backup.json is what the judgement reports (Invalid).
    if (err instanceof BackupObjectError) return JUDGE;
    throw err;
  }
  if (!info.ferry) return JUDGE;
  // Ferry's writer records a failure in velero-backup.json and writes no manifest: that write is its last.
  if (files.has(BACKUP_OBJECT_FILE) && phaseState(info.phase) === 'finished' && /^Failed/.test(info.phase ?? '')) return JUDGE;
  return { judge: false, reason: `a Ferry backup still being written (${BACKUP_OBJECT_FILE} says ${info.phase ?? 'no phase'}): its ${MANIFEST_FILE} judges it` };
}
