/** Errors of the catalog services. */

/** A backup file changed between listing the backup and reading the file: the judgement must start over. */
export class BackupChangedError extends Error {
  override name = 'BackupChangedError';
  constructor(readonly key: string, options?: { cause?: unknown }) {
    super(`${key} changed while it was being validated`, options);
  }
}

/** A catalog entry could not be written: other writers kept winning, or the entry there is not one. */
export class CatalogWriteError extends Error {
  override name = 'CatalogWriteError';
  constructor(readonly key: string, message: string, options?: { cause?: unknown }) {
    super(`${key}: ${message}`, options);
  }
}

/** Indexing failed for some backups of an event; the others were indexed. Thrown so that the event is retried. */
export class IndexRunError extends Error {
  override name = 'IndexRunError';
  constructor(readonly failures: { backup: string; error: unknown }[]) {
    super(`indexing failed for ${failures.map((f) => `${f.backup} (${(f.error as Error)?.message ?? String(f.error)})`).join(', ')}`,
      { cause: failures[0]?.error });
  }
}

/** S3 refused a delete for want of permission (not an object lock): expiry cannot work until the role may delete. */
export class DeleteDeniedError extends Error {
  override name = 'DeleteDeniedError';
  constructor(readonly key: string, readonly answer: string, options?: { cause?: unknown }) {
    super(`cannot delete ${key}: ${answer.replace(/\.+$/, '')}. This is not an object lock: the credentials expire runs with need s3:DeleteObject on the backups`, options);
  }
}

/** A backup the request names has no files and no catalog entry in the location. */
export class NoSuchBackupError extends Error {
  override name = 'NoSuchBackupError';
  constructor(readonly backup: string, where?: string, options?: { cause?: unknown }) {
    super(`no backup named ${backup}${where ? ` in ${where}` : ''}`, options);
  }
}

/** A backup that is still being written cannot be deleted unless the caller says its writer is gone. */
export class BackupInUseError extends Error {
  override name = 'BackupInUseError';
  constructor(readonly backup: string, readonly why: string, options?: { cause?: unknown; force?: string }) {
    super(`backup ${backup} is still in progress (${why}); if its writer is gone (crashed or killed), delete it with ${options?.force ?? '--force'}`, options);
  }
}
