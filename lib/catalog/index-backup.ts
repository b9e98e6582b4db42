/**
 * The index service: for every object an event names, judge the backup it belongs to and write its catalog
 * entry. Idempotent: a backup whose files have not changed since its entry was written is not judged again, so
 * duplicate and late events cost one listing; out-of-order events converge on the judgement of the latest files.
 */
import { settleAbandoned } from './abandoned.js';
import { moveLegacyCatalog } from './legacy-catalog.js';
import { readBackupKeys, type S3EventLike } from './s3-event.js';
import { entryFromVerdict, fingerprintOf, updateCatalogEntry, type CatalogEntry, type EntryDecision, type UpdateOptions } from './catalog-entry.js';
import { BackupChangedError, IndexRunError } from './errors.js';
import type { CatalogDeps } from './types.js';
import { judgementTrigger } from './judge-trigger.js';
import { listBackupFiles, validateBackup } from './validate.js';

/** What indexing one backup did. */
export interface IndexOutcome {
  backup: string;
  /** written: a new judgement; unchanged: the entry already judged these files; gone: the backup has no files; deleting: expiry owns it. */
  action: 'written' | 'unchanged' | 'gone' | 'deleting';
  phase?: CatalogEntry['phase'];
  problems?: string[];
}

/** Options of the index. */
export interface IndexOptions extends UpdateOptions {
  /** Re-judge even when the files have not changed (`ferry backups verify --update`). */
  force?: boolean;
}

/** Judges the backup `name` and writes its catalog entry. */
export async function indexBackup(name: string, deps: CatalogDeps, options: IndexOptions = {}): Promise<IndexOutcome> {
  await moveLegacyCatalog(deps.store, deps.layout, deps.log);
  // A backup whose writer is gone is recorded Failed first, so that it is judged as such. Best effort: the deployed
  // index may not write backups (its role writes catalog/ only); expiry records it then.
  await settleAbandoned(name, deps).catch((err: Error) => deps.log.info(`index ${name}: could not check whether its writer is gone: ${err.message}`, { backup: name }));
  let outcome: IndexOutcome = { backup: name, action: 'gone' };
  let forced = options.force ?? false;
  const decide = async (current: CatalogEntry | undefined): Promise<EntryDecision> => {
    if (current?.phase === 'Deleting') {
      outcome = { backup: name, action: 'deleting', phase: 'Deleting' };
      return { keep: true };
    }
    for (let changed = 0; ; changed++) {
      const files = await listBackupFiles(deps, name);
      if (files.length === 0) {
        outcome = { backup: name, action: 'gone' };
        return { keep: true };
      }
      if (!forced && current?.fingerprint === fingerprintOf(files)) {
        outcome = { backup: name, action: 'unchanged', phase: current.phase, problems: current.problems };
        return { keep: true };
      }
      try {
        const entry = entryFromVerdict(await validateBackup(name, deps, files), deps.now());
        outcome = { backup: name, action: 'written', phase: entry.phase, problems: entry.problems };
        forced = false; // a retry after a lost write only re-judges files that changed
        return { write: entry };
      } catch (err) {
        // A file was replaced while it was read: its own event follows; judge the new files now.
        if (!(err instanceof BackupChangedError) || changed >= 3) throw err;
        deps.log.info('backup changed while it was validated; judging it again', { backup: name, key: err.key });
      }
    }
  };
  await updateCatalogEntry(deps.store, deps.layout, name, decide, options);
  deps.log.info(`index ${name}: ${outcome.action}${outcome.phase ? ` (${outcome.phase})` : ''}`, { ...outcome });
  return outcome;
}

/** What one event did: per backup, and the keys it ignored with the reason. */
export interface IndexEventResult {
  outcomes: IndexOutcome[];
  ignored: { key: string; reason: string }[];
}

/**
 * Indexes every backup that the ObjectCreated records of an event name (each backup once), when they call for a
 * judgement (judgementTrigger: a Ferry backup's manifest, a Velero backup's velero-backup.json or tarball). Records
 * for other buckets, other event types, objects outside any backup and files that do not complete one are ignored
 * with a log line. When some backups fail,
 * the others are still indexed and an IndexRunError is thrown so that the event is delivered again.
 */
export async function indexEvent(event: S3EventLike, deps: CatalogDeps & { bucket?: string }, options: IndexOptions = {}): Promise<IndexEventResult> {
  const { keys, ignored } = readBackupKeys(event, deps.layout, deps.bucket);
  for (const i of ignored) deps.log.info(`ignored ${i.key}: ${i.reason}`, { ...i });
  const backups = [...new Set(keys.map((k) => k.backup))];
  const outcomes: IndexOutcome[] = [];
  const failures: { backup: string; error: unknown }[] = [];
  for (const backup of backups) {
    try {
      const backupKeys = keys.filter((k) => k.backup === backup).map((k) => k.key);
      const trigger = await judgementTrigger(backup, backupKeys, deps);
      if (!trigger.judge) {
        for (const key of backupKeys) ignored.push({ key, reason: trigger.reason });
        deps.log.info(`index ${backup}: not judged now: ${trigger.reason}`, { backup });
        continue;
      }
      outcomes.push(await indexBackup(backup, deps, options));
    } catch (error) {
      deps.log.warn(`index ${backup} failed: ${(error as Error)?.message ?? String(error)}`, { backup });
      failures.push({ backup, error });
    }
  }
  if (failures.length) throw new IndexRunError(failures);
  return { outcomes, ignored };
}
