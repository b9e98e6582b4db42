import { DEFAULT_VALIDATION_LIMITS } from '../catalog/types.js';

/** Bounds of what a restore reads from the bucket and holds, in one place. */
export const RESTORE_LIMITS = {
  /** Most objects a restore takes from a backup: the index calls a backup with more Invalid. */
  maxItems: DEFAULT_VALIDATION_LIMITS.maxItems,
  /** Room the transformed objects may take in ephemeral storage: the index's bound on a tarball's decompressed size. */
  maxSpillBytes: DEFAULT_VALIDATION_LIMITS.maxTotalBytes,
  /** Largest ferry-result.json / ferry-checkpoint.json read back (a 200,000-object restore writes about 25 MB). */
  maxStateBytes: 128 * 1024 * 1024,
  /** Largest csi-volumesnapshots / csi-volumesnapshotcontents file, stored and gunzipped. */
  maxVolumeRecordBytes: 16 * 1024 * 1024,
  maxVolumeRecordGunzippedBytes: 64 * 1024 * 1024,
  /** Bytes of objects being written at once (as read from the spill), so a few large objects do not all load together. */
  maxInFlightBytes: 24 * 1024 * 1024,
} as const;
