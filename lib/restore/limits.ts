/** Bounds of what a restore reads from the bucket and holds, in one place. */
export const RESTORE_LIMITS = {
  /** Largest ferry-result.json / ferry-checkpoint.json read back (a 200,000-object restore writes about 25 MB). */
  maxStateBytes: 128 * 1024 * 1024,
  /** Largest csi-volumesnapshots / csi-volumesnapshotcontents file, stored and gunzipped. */
  maxVolumeRecordBytes: 16 * 1024 * 1024,
  maxVolumeRecordGunzippedBytes: 64 * 1024 * 1024,
  /** Bytes of objects being written at once (as read from the spill), so a few large objects do not all load together. */
  maxInFlightBytes: 24 * 1024 * 1024,
} as const;
