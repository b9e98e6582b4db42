/** Errors of the restore service. */

/**
 * A stage's refusal of one object (its data cannot be restored as it is): the pipeline drops that object with
 * this message as its error and goes on. Any other error a stage throws is a bug and ends the transform.
 */
export class ItemTransformError extends Error {
  override name = 'ItemTransformError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The restore was refused before anything was applied (bad backup, missing rules, unreachable target). */
export class RestoreRefusedError extends Error {
  override name = 'RestoreRefusedError';
}

/** The storage location holds no file of the backup the restore names. */
export class NoSuchBackupError extends RestoreRefusedError {
  override name = 'NoSuchBackupError';
  constructor(readonly backup: string, readonly location: string) {
    super(`no backup named "${backup}" in storage location ${location}; nothing was restored`);
  }
}

/** Another invocation holds the restore's claim: this one did nothing. */
export class RestoreRunningError extends RestoreRefusedError {
  override name = 'RestoreRunningError';
  constructor(readonly restore: string, readonly holder: string, readonly until: string, options?: { cause?: unknown }) {
    super(`restore ${restore} is running in another invocation (its claim holds until ${until}); this one did nothing`, options);
  }
}

/** The claim was taken over while this invocation ran (it stalled past the lease): it stops without writing. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(readonly restore: string, options?: { cause?: unknown }) {
    super(`restore ${restore}: another invocation took over its claim; this one stopped without writing its progress`, options);
  }
}
