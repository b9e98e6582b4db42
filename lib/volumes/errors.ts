/** A mover Job could not move one volume's data: its reason names the claim and what failed. */
export class MoverError extends Error {
  override name = 'MoverError';
  constructor(message: string, readonly kind: MoverFailureKind = 'failed', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** What went wrong with a mover: its own failure, its deadline, or the repository refusing the password. */
export type MoverFailureKind = 'failed' | 'timeout' | 'wrong-password' | 'corrupt';

/** A backup's volume-data record (ferry-volume-data.json) that cannot be used: untrusted content, named field. */
export class VolumeDataRecordError extends Error {
  override name = 'VolumeDataRecordError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A move is still running when its caller had to stop waiting (a function near the end of its time): its Job is
 * left running under a name derived from the move, so that the next invocation adopts it instead of starting another.
 */
export class MovePendingError extends Error {
  override name = 'MovePendingError';
  constructor(readonly job: string, readonly namespace: string) {
    super(`mover Job ${namespace}/${job} is still running`);
  }
}

/** Why a backup's volume data could not be expired: the password, a repository that is not there, or anything else. */
export type VolumeExpiryFailureKind = 'wrong-password' | 'missing-repository' | 'failed';

/** Expiry could not delete a backup's kopia snapshots (or run maintenance on their repository); the message names the backup. */
export class VolumeExpiryError extends Error {
  override name = 'VolumeExpiryError';
  constructor(message: string, readonly kind: VolumeExpiryFailureKind = 'failed', options?: { cause?: unknown }) {
    super(message, options);
  }
}
