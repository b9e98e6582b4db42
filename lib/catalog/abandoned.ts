/**
 * Backups whose writer is gone: a Ferry backup still InProgress, without a manifest, after the deadline its writer
 * recorded in velero-backup.json (a killed process, a function stopped by Lambda, a bucket that failed the writer's
 * own failure record). Whoever reads it next (the index, expiry, a run that wants the name) records it Failed, as
 * the writer would have, and aborts its open multipart uploads. Expiry also aborts any multipart upload under the
 * backups prefix older than a day, whatever wrote it.
 */
import { veleroTime } from '../backup/velero-backup.js';
import { isRecord } from '../model/object.js';
import { NotFoundError, PreconditionFailedError } from '../store/errors.js';
import type { OpenUpload } from '../store/object-store.js';
import { BackupObjectError, parseBackupObject, phaseState } from './backup-object.js';
import { limitsOf, type CatalogDeps } from './types.js';

/** Time after a writer's deadline before its backup is taken for abandoned: its own failure record comes first. */
export const ABANDON_GRACE_MS = 2 * 60_000;
/** Open multipart uploads older than this are aborted by expiry. */
export const STALE_UPLOAD_MS = 24 * 3_600_000;

/** What settling one abandoned backup did. */
export interface Settled {
  backup: string;
  reason: string;
  /** Multipart uploads of the backup that were aborted. */
  abortedUploads: string[];
}

/**
 * Records the backup `name` Failed when its writer is gone (see the module comment), with an If-Match on the
 * velero-backup.json it read, and aborts its open uploads. Returns what it did, or undefined when the backup is
 * not abandoned (or changed meanwhile). Only Ferry's backups: Velero's server owns its own.
 */
export async function settleAbandoned(name: string, deps: CatalogDeps): Promise<Settled | undefined> {
  const { store, layout } = deps;
  const key = layout.backupKey(name, 'backup');
  const head = await store.head(key);
  if (!head || head.size > limitsOf(deps).maxMetadataBytes) return undefined;
  let read;
  try {
    read = await store.getBytes(key);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
  let info;
  let object: unknown;
  try {
    info = parseBackupObject(read.bytes, name);
    object = JSON.parse(Buffer.from(read.bytes).toString('utf8'));
  } catch (err) {
    if (err instanceof BackupObjectError) return undefined;
    throw err;
  }
  if (!info.ferry || phaseState(info.phase) !== 'running' || !isRecord(object)) return undefined;
  if (await store.head(layout.backupKey(name, 'manifest'))) return undefined;
  const now = deps.now();
  // A backup written before writers recorded their deadline is left to expiry's older rule (no write for 6 hours).
  const deadline = info.deadline;
  if (!deadline || Date.parse(deadline) + ABANDON_GRACE_MS > now.getTime()) return undefined;

  const reason = `its writer stopped before it finished: still ${info.phase} after its deadline ${deadline}`;
  const status = isRecord(object.status) ? object.status : {};
  const failed = { ...object, status: { ...status, phase: 'Failed', failureReason: reason, completionTimestamp: veleroTime(now) } };
  try {
    await store.put(key, JSON.stringify(failed, null, 2), { contentType: 'application/json', ifMatch: read.etag });
  } catch (err) {
    // The writer (or another reader) got there first: theirs stands.
    if (err instanceof PreconditionFailedError || err instanceof NotFoundError) return undefined;
    throw err;
  }
  const abortedUploads = await abortUploads(deps, layout.backupPrefix(name), () => true);
  deps.log.warn(`backup ${name} recorded Failed: ${reason}`, { backup: name, abortedUploads });
  return { backup: name, reason, abortedUploads };
}

/** Aborts the open multipart uploads under `prefix` that `select` picks; returns their keys. */
export async function abortUploads(deps: Pick<CatalogDeps, 'store'>, prefix: string, select: (upload: OpenUpload) => boolean): Promise<string[]> {
  const chosen: OpenUpload[] = [];
  for await (const upload of deps.store.listUploads(prefix)) if (select(upload)) chosen.push(upload);
  for (const upload of chosen) await deps.store.abortUpload(upload);
  return chosen.map((u) => u.key);
}

/** Open uploads under the backups prefix started more than STALE_UPLOAD_MS before `now`. */
export function isStaleUpload(upload: OpenUpload, now: Date): boolean {
  return upload.initiated !== undefined && upload.initiated.getTime() <= now.getTime() - STALE_UPLOAD_MS;
}
