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
