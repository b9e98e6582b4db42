/** The mover port: moves one claim's data into the backup's kopia repository, or back into a claim. */

/** One claim's data to back up. */
export interface MoveOutRequest {
  /** The backup the snapshot belongs to (a kopia tag, and the name in error messages). */
  backup: string;
  namespace: string;
  claim: string;
  /** The node of a running pod that mounts the claim: the mover runs there (a ReadWriteOnce volume is attached there). */
  node?: string;
  /** The backup run's identity (its startTimestamp): a running move is adopted only by the same run. */
  run?: string;
}

/** One claim to fill from a snapshot. */
export interface MoveInRequest {
  backup: string;
  /** The namespace whose repository holds the snapshot (the claim's namespace in the source). */
  sourceNamespace: string;
  snapshotId: string;
  /** The claim to fill, in the target. */
  namespace: string;
  claim: string;
  /** The restore, and its run's identity (its start): a running fill is adopted only by the same run. */
  restore?: string;
  run?: string;
}

/** How a mover read a claim: `snapshot` (a clone of a fresh VolumeSnapshot) or `live` (the claim itself). */
export type ReadSource = 'snapshot' | 'live';

/** A snapshot the mover took: its ID and what it holds. */
export interface MovedVolume {
  snapshotId: string;
  /** Bytes of file data in the snapshot. */
  bytes: number;
  files: number;
  dirs: number;
  symlinks: number;
  /** How the data was read: a clone of a fresh VolumeSnapshot (a point-in-time copy), or the live claim. */
  source: ReadSource;
  /** Why the live claim was read (its driver cannot snapshot). */
  liveReason?: string;
}

/** What a fill restored. */
export interface FilledVolume {
  files?: number;
  dirs?: number;
  symlinks?: number;
}

/** How long a caller waits for a move. */
export interface MoveControl {
  /**
   * Asked before each wait: true leaves the move running and throws MovePendingError (a function near the end of its
   * time). The same request made again later adopts the running move instead of starting a second one.
   */
  shouldStop?: () => boolean;
}

/**
 * Moves volume data between claims and the bucket; failures throw MoverError with their reason, a move left
 * running (see MoveControl) MovePendingError.
 */
export interface VolumeMover {
  moveOut(request: MoveOutRequest, control?: MoveControl): Promise<MovedVolume>;
  moveIn(request: MoveInRequest, control?: MoveControl): Promise<FilledVolume>;
  /**
   * Deletes what moves of runs that ended without cleaning up left in the cluster (once per mover; the first move
   * does it otherwise): the moves (`namespace/name`) whose objects were deleted, and what could not be looked at.
   */
  sweep?(): Promise<{ deleted: string[]; problems: string[] }>;
}
