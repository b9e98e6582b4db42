/** The backup name is taken: the bucket already holds files under it. Nothing was written. */
export class BackupExistsError extends Error {
  override name = 'BackupExistsError';
  constructor(readonly backup: string, readonly key: string, options?: { cause?: unknown; failed?: string }) {
    super(`backup "${backup}" already exists (found ${key}${options?.failed ? `; it is Failed: ${options.failed}` : ''}); choose another name`, options);
  }
}

/** A run-level failure: the cluster or the bucket could not be used. The backup is recorded as Failed. */
export class BackupFailedError extends Error {
  override name = 'BackupFailedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
