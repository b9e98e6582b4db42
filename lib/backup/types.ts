import type { Cluster } from '../kube/cluster.js';
import type { RunResults } from '../model/results.js';
import type { BucketLayout } from '../store/layout.js';
import type { ManifestEntry } from '../store/manifest.js';
import type { ObjectStore } from '../store/object-store.js';
import type { VolumeMover } from '../volumes/mover.js';
import type { BackupPhase } from './velero-backup.js';

/** Where a run reports what it does; a CLI prints it, a function logs it as JSON. */
export interface BackupLog {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
}

/** A snapshot of a running backup, sent after every page and as compressed bytes are written. */
export interface BackupProgress {
  itemsBackedUp: number;
  /** Items written so far, by groupResource. */
  byResource: Record<string, number>;
  /** Compressed bytes of the tarball written so far (gzip writes in large members: small backups show 0 until the end). */
  bytesWritten: number;
  /** Bytes of the items taken into the tarball so far, before compression. */
  bytesArchived?: number;
  typesDone: number;
  typesTotal: number;
  /** Set on the snapshot sent when one resource type has been listed completely. */
  finished?: { groupResource: string; items: number };
}

/** Tuning of a run; the defaults suit a shared API server and a Lambda of 1 GB. */
export interface BackupOptions {
  /** Resource types listed at once. */
  concurrency: number;
  /** Objects per LIST page. */
  pageSize: number;
  /** Restarts of a LIST whose continue token expired, before the type fails. */
  maxListRestarts: number;
  /** gzip level of the tarball. */
  gzipLevel: number;
}

/**
 * Default options: 4 types at once, pages of 500 (Velero's client page size), 3 restarts, and gzip level 1:
 * compression runs beside the listing, and at level 6 it became the bottleneck for an archive about 15% smaller.
 */
export const DEFAULT_BACKUP_OPTIONS: BackupOptions = { concurrency: 4, pageSize: 500, maxListRestarts: 3, gzipLevel: 1 };

/** What runBackup needs: the ports, a clock and where to report. */
export interface BackupDeps {
  store: ObjectStore;
  layout: BucketLayout;
  cluster: Cluster;
  clock: () => Date;
  /** The storage location's name, for Velero's label; the spec's storageLocation, else "default", when absent. */
  storageLocation?: string;
  /** The source cluster's name in Ferry's config, recorded for the catalog. */
  sourceCluster?: string;
  log?: BackupLog;
  onProgress?: (progress: BackupProgress) => void;
  /** How the run waits between polls of a volume snapshot and between attempts to record a failure (tests pass a fake); a timer when absent. */
  sleep?: (ms: number) => Promise<void>;
  options?: Partial<BackupOptions>;
  /**
   * When the run must have ended: at this time (checked against `clock` as the run progresses, and by a timer for a
   * run stuck waiting) it stops, aborts the tarball upload and records Failed. A function passes its start plus its
   * remaining time less what recording the failure needs; default: start + DEFAULT_BACKUP_TIME_LIMIT_MS. It is
   * written into velero-backup.json, so that a later reader can tell a writer that is gone (lib/catalog/abandoned.ts).
   */
  deadline?: Date;
  /** Moves claims' data into the bucket when the spec asks for it; without one, data is not moved (a warning). */
  volumeMover?: VolumeMover;
  /**
   * When the run stops waiting for volume moves still running and hands the backup over to a fresh invocation (a
   * function near the end of its time; lib/backup/hand-off.ts): the outcome is then WaitingForPluginOperations.
   * Absent, the run waits for the moves (until its deadline).
   */
  handOffAt?: Date;
  /**
   * Stops the run when it aborts (`ferry backup` aborts it on SIGINT, SIGTERM or SIGHUP): the run aborts its upload
   * and records Failed with the signal's reason, as at its deadline, instead of leaving InProgress until then.
   */
  signal?: AbortSignal;
  /**
   * How long a failed run keeps trying to record Failed in velero-backup.json while the bucket does not take it
   * (a bucket that froze mid-run), in ms; default FAILURE_RECORD_MS. A function has its reserve to spend; a CLI
   * process lives on and can wait longer. Past it, the index, expiry or the next run record it after the deadline.
   */
  failureRecordMs?: number;
  /**
   * How long the run's claim in velero-backup.json lasts without renewal while it is InProgress (renewed every third
   * of it): a writer killed outright is recorded Failed by a reader this long (plus ABANDON_GRACE_MS) after its last
   * renewal. Default BACKUP_LEASE_MS (lib/backup/backup-claim.ts).
   */
  leaseMs?: number;
}

/** How long a failed run keeps trying to record its failure by default: within a function's 30 s reserve. */
export const FAILURE_RECORD_MS = 20_000;

/** How long a backup without a given deadline (`ferry backup` on a laptop) may run: 6 hours. */
export const DEFAULT_BACKUP_TIME_LIMIT_MS = 6 * 3_600_000;

/** The outcome of a run that got to write something (a refused name throws BackupExistsError instead). */
export interface BackupOutcome {
  name: string;
  phase: Exclude<BackupPhase, 'InProgress'>;
  startedAt: Date;
  completedAt: Date;
  expiresAt: Date;
  itemsBackedUp: number;
  /** Items listed: those backed up and those refused for what they hold (nested too deep; each has its error). */
  totalItems: number;
  byResource: Record<string, number>;
  /** The files written and committed by the manifest (empty when the backup failed). */
  files: Record<string, ManifestEntry>;
  results: RunResults;
  warnings: number;
  errors: number;
  failureReason?: string;
  /** The error that failed the run, kept as the cause of whatever reports the failure. */
  failure?: unknown;
  /** Key of ferry-manifest.json, when the backup was committed. */
  manifestKey?: string;
  /** Volume moves still running when the run handed the backup over (phase WaitingForPluginOperations). */
  pendingVolumes?: number;
}
