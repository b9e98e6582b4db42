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
