import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Discovery } from '../kube/cluster.js';
import { ClusterError } from '../kube/errors.js';
import { addMessage, countMessages, emptyResults, type RunResults } from '../model/results.js';
import type { BackupSpec } from '../spec/backup-spec.js';
import { settleAbandoned } from '../catalog/abandoned.js';
import { silentLog } from '../catalog/types.js';
import { ArchiveWriteError, ArchiveWriter } from '../store/archive-writer.js';
import { ARCHIVE_FORMAT_VERSION, VERSION_ENTRY } from '../store/archive-paths.js';
import { NotFoundError, PreconditionFailedError, StoreError } from '../store/errors.js';
import { backupFileName, type BackupFile } from '../store/layout.js';
import { manifestEntry, type ManifestEntry } from '../store/manifest.js';
import { commitManifest, finalPhase, resultsFile } from './commit.js';
import { BACKUP_LEASE_MS, BackupClaim } from './backup-claim.js';
import { BackupLogFile } from './backup-log.js';
import { BackupContents } from './contents.js';
import { BackupExistsError, BackupFailedError } from './errors.js';
import { Gatherer } from './gather.js';
import { planBackup } from './select.js';
import { backupSelectedVolumes, volumeSpecWarnings } from './volumes/backup-volumes.js';
import { SnapshotError } from './volumes/snapshot.js';
import { listingTemplate } from './volumes/options.js';
import { chooseVolumeData, moveVolumeData, volumeDataFiles, withoutClaims, type VolumeDataChoice, type VolumeDataOutcome } from '../volumes/backup-volume-data.js';
import { podVolumeBackupFiles } from '../volumes/velero-pod-volume-records.js';
import { serializeHandOff, stopAtHandOff } from './hand-off.js';
import { DEFAULT_BACKUP_OPTIONS, DEFAULT_BACKUP_TIME_LIMIT_MS, FAILURE_RECORD_MS, type BackupDeps, type BackupLog, type BackupOutcome, type BackupProgress } from './types.js';
import { buildVeleroBackup, veleroTime, type BackupPhase, type BackupStatusInput } from './velero-backup.js';

/**
 * Takes one backup: claims the name in the bucket, lists the selected resources and streams them into
 * `<name>.tar.gz`, writes the resource list, the results and velero-backup.json, and commits the backup by
 * writing ferry-manifest.json last. Throws BackupExistsError when the name is taken, and the store's error when
 * the bucket cannot be reached to claim it (nothing is written either way); otherwise returns the outcome,
 * Failed when the cluster or the bucket could not be used or the deadline passed (the tarball upload aborted, no
 * manifest, velero-backup.json saying Failed).
 */
export async function runBackup(spec: BackupSpec, deps: BackupDeps): Promise<BackupOutcome> {
  return new BackupRun(spec, deps).run();
}

/**
 * Why a run failed, for the errors the run expects (the cluster, the bucket, the archive, a snapshot); undefined
 * for anything else, which is a bug and is rethrown rather than reported as a Failed backup.
 */
function failureReason(err: unknown): string | undefined {
  if (err instanceof BackupFailedError) return err.message;
  if (err instanceof ClusterError || err instanceof SnapshotError) return `the cluster failed: ${err.message}`;
  if (err instanceof StoreError || err instanceof NotFoundError || err instanceof PreconditionFailedError || err instanceof ArchiveWriteError) {
    return `the bucket failed: ${err.message}`;
  }
  return undefined;
}

/** The resource list's keys the volume passes read: claims, and the pods that mount them. */
const VOLUME_LIST_KEYS: ReadonlySet<string> = new Set(['v1/PersistentVolumeClaim', 'v1/Pod']);

/** The gzip of the text `chunks` make, compressed a chunk at a time (never the whole text at once). */
async function gzipText(chunks: Iterable<string>): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks), createGzip(), async (compressed: AsyncIterable<Buffer>) => {
    for await (const chunk of compressed) out.push(chunk);
  });
  return Buffer.concat(out);
}

/** How long a handed-over backup waits for the invocation that continues it before it counts as abandoned. */
export const HAND_OFF_PICKUP_MS = 5 * 60_000;

/** Waits for every promise; then rejects with the first failure, if any. */
export async function settleAll(work: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

class BackupRun {
  private readonly options;
  private readonly startedAt: Date;
  private readonly expiresAt: Date;
  private readonly results: RunResults = emptyResults();
  private readonly files: Record<string, ManifestEntry> = {};
  private readonly storageLocation: string;
  private readonly claimed: BackupClaim;
  private readonly leaseMs: number;
  /** When the run must have ended; see BackupDeps.deadline. */
  private readonly deadline: Date;
  /** Rejects when the run must stop: its deadline passed, or its signal aborted. */
  private readonly stopped: Promise<never>;
  private rejectStopped!: (err: Error) => void;
  private expired?: BackupFailedError;
  private writer?: ArchiveWriter;
  private discovery?: Discovery;
  private contents?: BackupContents;
  private bytesWritten = 0;
  private archive?: ArchiveWriter;
  private typesProgress = { done: 0, total: 0 };
  private readonly logFile: BackupLogFile;
  private readonly log: BackupLog;
  /** Once handed over: when the next invocation must have taken the backup. */
  private handOffDeadline?: Date;

  constructor(private readonly spec: BackupSpec, private readonly deps: BackupDeps) {
    this.options = { ...DEFAULT_BACKUP_OPTIONS, ...deps.options };
    this.startedAt = deps.clock();
    this.expiresAt = new Date(this.startedAt.getTime() + spec.ttlMs);
    this.storageLocation = deps.storageLocation ?? spec.storageLocation ?? 'default';
    this.deadline = deps.deadline ?? new Date(this.startedAt.getTime() + DEFAULT_BACKUP_TIME_LIMIT_MS);
    this.stopped = new Promise<never>((_, reject) => { this.rejectStopped = reject; });
    this.stopped.catch(() => undefined);
    this.logFile = new BackupLogFile(spec.name, deps.clock);
    this.log = this.logFile.wrap(deps.log);
    this.leaseMs = deps.leaseMs ?? BACKUP_LEASE_MS;
    this.claimed = new BackupClaim({ store: deps.store, key: this.key('backup'), name: spec.name, log: this.log });
  }

  async run(): Promise<BackupOutcome> {
    // Discovery runs while the name is claimed: both are fixed costs that a small backup would feel.
    const discovering = this.deps.cluster.discover();
    discovering.catch(() => undefined);
    // setTimeout takes at most 2^31-1 ms; a later deadline is still checked as the run progresses.
    const timer = setTimeout(() => this.expire(), Math.min(2 ** 31 - 1, Math.max(0, this.deadline.getTime() - this.deps.clock().getTime())));
    timer.unref?.();
    const signal = this.deps.signal;
    const interrupt = () => this.interrupt(signal?.reason);
    if (signal?.aborted) interrupt();
    else signal?.addEventListener('abort', interrupt, { once: true });
    try {
      // A claim still unanswered at the deadline leaves nothing of ours but, at most, the claim: it carries the
      // deadline, so whoever reads it later records it Failed (lib/catalog/abandoned.ts).
      const claiming = this.claim();
      claiming.catch(() => undefined);
      try {
        await Promise.race([claiming, this.stopped]);
      } catch (err) {
        // Interrupted while claiming: a claim that still lands is recorded Failed at once rather than left InProgress.
        const stoppedBy = this.expired;
        if (!stoppedBy || err !== stoppedBy || !signal?.aborted || !(await claiming.then(() => true, () => false))) throw err;
        return await this.fail(stoppedBy.message, err);
      }
      // The lease moves on while the run lives; a reader that took it over (it lapsed) stops the run.
      this.claimed.startRenewing(() => this.veleroBackupJson('InProgress'), this.leaseMs / 3, (lost) => this.stop(lost));
      // The work left behind at the deadline fails on its own once the archive is aborted: nobody waits for it.
      const writing = this.write(discovering);
      writing.catch(() => undefined);
      try {
        return await Promise.race([writing, this.stopped]);
      } catch (err) {
        if (this.writer) await this.writer.abort(err as Error);
        // A write of velero-backup.json refused because a reader took the lapsed claim over: say that, not "the bucket failed".
        const reason = this.claimed.lost && err instanceof PreconditionFailedError ? this.claimed.lost.message : failureReason(err);
        if (reason === undefined) {
          // A bug, not the cluster or the bucket: the backup is still marked Failed, and the error goes up as it is.
          await this.fail(`internal error: ${String(err)}`, err);
          throw err;
        }
        return await this.fail(reason, err);
      }
    } finally {
      this.claimed.stopRenewing();
      clearTimeout(timer);
      signal?.removeEventListener('abort', interrupt);
    }
  }

  /** Lists, streams and commits the backup; throws on a run-level failure (the caller records it). */
  private async write(discovering: Promise<Discovery>): Promise<BackupOutcome> {
    this.discovery = await discovering.catch((err: Error) => {
      throw new BackupFailedError(`the cluster cannot be used: discovery failed: ${err.message}`, { cause: err });
    });
    const plan = planBackup(this.discovery, listingTemplate(this.spec));
    for (const s of plan.skipped) this.log.info(`not backing up ${s.groupResource}: ${s.reason}`);
    this.noteUnsupported();
    const writer = new ArchiveWriter((body) => this.deps.store.upload(this.key('tarball'), body, { contentType: 'application/gzip' }), {
      mtime: this.startedAt, gzipLevel: this.options.gzipLevel,
      onBytes: (bytes) => { this.bytesWritten = bytes; this.report(); },
    });
    this.writer = this.archive = writer;
    await writer.add(VERSION_ENTRY, ARCHIVE_FORMAT_VERSION);
    this.contents = new BackupContents(writer);
    const gatherer = new Gatherer(this.deps.cluster, plan, this.contents, this.results, this.options, this.log,
      (done, total, finished) => { this.typesProgress = { done, total }; this.report(finished); });
    const stats = await gatherer.run();
    if (stats.typesListed > 0 && stats.typesFailed === stats.typesListed) {
      throw new BackupFailedError(`the cluster cannot be used: none of the ${stats.typesListed} resource types could be listed (see the errors)`);
    }
    this.throwIfExpired();
    this.files[this.fileName('tarball')] = await writer.finish();
    // Claims whose data is moved into the bucket are chosen first; the CSI snapshot pass sees only the others.
    const choice = await chooseVolumeData({ spec: this.spec, resourceList: this.contents.resourceList(VOLUME_LIST_KEYS) }, {
      cluster: this.deps.cluster, results: this.results, ...(this.deps.volumeMover ? { mover: this.deps.volumeMover } : {}),
    });
    this.throwIfExpired();
    const volumeFiles = await backupSelectedVolumes({ spec: this.spec, resourceList: withoutClaims(this.contents.resourceList(VOLUME_LIST_KEYS), choice.claims) }, {
      cluster: this.deps.cluster, clock: this.deps.clock, results: this.results,
      ...(this.deps.sleep ? { sleep: this.deps.sleep } : {}), log: this.log,
    });
    this.throwIfExpired();
    const moved = await moveVolumeData(this.spec.name, choice.toMove, {
      cluster: this.deps.cluster, results: this.results, log: this.log, run: veleroTime(this.startedAt),
      ...(this.deps.volumeMover ? { mover: this.deps.volumeMover } : {}),
      ...stopAtHandOff(this.deps.clock, this.deps.handOffAt),
    });
    this.throwIfExpired();
    if (moved.pending.length > 0) return await this.handOff(choice, moved, volumeFiles);
    const movedFiles = [...volumeDataFiles(moved.volumes, moved.failed, choice.claims), ...await podVolumeBackupFiles({
      backup: this.spec.name, location: this.storageLocation, volumes: moved.volumes, podKeys: this.contents.resourceList()['v1/Pod'] ?? [],
    }, this.deps.cluster)];
    // The results are final here: the status and the other files go up at once; only the manifest waits for them.
    const phase: BackupPhase = finalPhase(this.results);
    const completedAt = this.deps.clock();
    this.throwIfExpired();
    this.logFile.record('info', `backup ${this.spec.name} ${phase}: ${this.contents.itemCount} items`);
    this.claimed.stopRenewing();
    const resourceList = await gzipText(this.contents.resourceListJson());
    // allSettled: a failure is recorded in velero-backup.json only once no other write of it is in flight.
    await settleAll([
      ...[...volumeFiles, ...movedFiles].map(([file, body]) => this.putFile(file, body, file === 'volumeData' ? 'application/json' : 'application/gzip')),
      this.putFile('resourceList', resourceList, 'application/gzip'),
      this.putFile('results', resultsFile(this.results), 'application/gzip'),
      this.putFile('logs', this.logFile.gzip(), 'application/gzip'),
      this.putFile('backup', this.veleroBackupJson(phase, completedAt), 'application/json'),
    ]);
    // Past the deadline the run has recorded Failed (or is doing so): no manifest may commit it after that.
    this.throwIfExpired();
    const manifestKey = await commitManifest(this.deps.store, this.deps.layout, this.spec.name, this.files, this.deps.clock());
    this.log.info(`backup ${this.spec.name} ${phase}`, { items: this.contents.itemCount, bytes: this.files[this.fileName('tarball')]?.size });
    return this.outcome(phase, completedAt, { manifestKey });
  }

  /**
   * Hands the backup over to a fresh invocation while volume moves still run: writes what is final (the resource
   * list, the CSI records) and ferry-backup-progress.json, and records WaitingForPluginOperations with a deadline by
   * which the next invocation must have taken it (else it is recorded Failed as abandoned, lib/catalog/abandoned.ts).
   */
  private async handOff(choice: VolumeDataChoice, moved: VolumeDataOutcome, volumeFiles: [BackupFile, Uint8Array][]): Promise<BackupOutcome> {
    const contents = this.contents!;
    this.log.info(`backup ${this.spec.name}: ${moved.pending.length} volume move(s) still running: a fresh invocation continues the backup`);
    await settleAll([
      ...volumeFiles.map(([file, body]) => this.putFile(file, body, 'application/gzip')),
      this.putFile('resourceList', await gzipText(contents.resourceListJson()), 'application/gzip'),
    ]);
    const handOff = serializeHandOff({
      backup: this.spec.name, invocations: 1, itemsBackedUp: contents.itemCount, byResource: contents.countsByResource(),
      claims: choice.claims, pending: moved.pending, volumes: moved.volumes, failed: moved.failed,
      files: { ...this.files }, results: this.results, log: this.logFile.recorded(),
    });
    await this.deps.store.put(this.key('handOff'), handOff, { contentType: 'application/json' });
    this.claimed.stopRenewing();
    this.handOffDeadline = new Date(this.deps.clock().getTime() + HAND_OFF_PICKUP_MS);
    this.throwIfExpired();
    await this.putFile('backup', this.veleroBackupJson('WaitingForPluginOperations'), 'application/json');
    return this.outcome('WaitingForPluginOperations', this.deps.clock(), { pendingVolumes: moved.pending.length });
  }

  /** Ends the run at its deadline: every wait on the run rejects with the reason. */
  private expire(): void {
    if (this.expired) return;
    this.stop(new BackupFailedError(`the backup ran out of time: its deadline ${this.deadline.toISOString()} passed with `
      + `${this.contents?.itemCount ?? 0} items and ${this.bytesWritten} compressed bytes written; the tarball upload was aborted`));
  }

  /** Ends the run with `reason`: every wait on the run rejects with it (the first reason stands). */
  private stop(reason: BackupFailedError): void {
    if (this.expired) return;
    this.expired = reason;
    this.rejectStopped(reason);
  }

  /** Ends the run when its signal aborts: as at the deadline, with the signal's reason. */
  private interrupt(reason: unknown): void {
    if (this.expired) return;
    const why = reason instanceof Error ? reason.message : reason === undefined ? 'stopped' : String(reason);
    this.stop(new BackupFailedError(`the backup was stopped (${why}) with ${this.contents?.itemCount ?? 0} items and `
      + `${this.bytesWritten} compressed bytes written; the tarball upload was aborted`, { cause: reason }));
  }

  private throwIfExpired(): void {
    if (!this.expired && this.deps.clock().getTime() >= this.deadline.getTime()) this.expire();
    if (this.expired) throw this.expired;
  }

  /** Refuses a taken name, then claims it with a conditional write so that two runs cannot both take it. */
  private async claim(): Promise<void> {
    const prefix = this.deps.layout.backupPrefix(this.spec.name);
    for await (const existing of this.deps.store.list(prefix)) {
      // A run of this name whose writer is gone is recorded Failed, so that it reads as what it is.
      const settled = await settleAbandoned(this.spec.name, { store: this.deps.store, layout: this.deps.layout, now: this.deps.clock, log: this.deps.log ?? silentLog })
        .catch(() => undefined);
      throw new BackupExistsError(this.spec.name, existing.key, settled ? { failed: settled.reason } : {});
    }
    await this.claimed.create(this.veleroBackupJson('InProgress'));
  }

  private noteUnsupported(): void {
    for (const warning of volumeSpecWarnings(this.spec)) addMessage(this.results.warnings, undefined, warning);
    if (this.spec.hooks && Object.keys(this.spec.hooks).length > 0) {
      addMessage(this.results.warnings, undefined, 'backup hooks are recorded but not run by Ferry');
    }
  }

  /** Writes one file of the backup and notes it for the manifest; velero-backup.json through the claim. */
  private async putFile(file: BackupFile, body: Uint8Array | string, contentType: string): Promise<void> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    if (file === 'backup') await this.claimed.write(bytes);
    else await this.deps.store.put(this.key(file), bytes, { contentType });
    this.files[this.fileName(file)] = manifestEntry(bytes);
  }

  private veleroBackupJson(phase: BackupPhase, completedAt?: Date, failureReason?: string): string {
    const items = this.contents?.itemCount ?? 0;
    const status: BackupStatusInput = {
      phase, startedAt: this.startedAt, expiresAt: this.expiresAt, totalItems: items + (this.contents?.refusedCount ?? 0), itemsBackedUp: items,
      warnings: countMessages(this.results.warnings), errors: countMessages(this.results.errors),
      ...(completedAt ? { completedAt } : {}), ...(failureReason ? { failureReason } : {}),
    };
    return JSON.stringify(buildVeleroBackup(this.spec, status, {
      storageLocation: this.storageLocation, deadline: this.recordedDeadline(phase), ...(this.discovery ? { serverVersion: this.discovery.serverVersion } : {}),
      ...(this.deps.sourceCluster ? { sourceCluster: this.deps.sourceCluster } : {}),
    }), null, 2);
  }

  /**
   * The deadline velero-backup.json records: while InProgress, a lease (renewed while the run lives, never past the
   * run's deadline); once handed over, the pickup deadline; else the run's deadline.
   */
  private recordedDeadline(phase: BackupPhase): Date {
    if (this.handOffDeadline) return this.handOffDeadline;
    if (phase !== 'InProgress') return this.deadline;
    return new Date(Math.min(this.deadline.getTime(), this.deps.clock().getTime() + this.leaseMs));
  }

  /** Records the failure in velero-backup.json (best effort: the bucket may be what failed) and writes no manifest. */
  private async fail(reason: string, cause: unknown): Promise<BackupOutcome> {
    addMessage(this.results.errors, undefined, reason);
    const completedAt = this.deps.clock();
    // The original error goes to the log with its stack and causes; the reason alone goes to the bucket.
    this.log.warn(`backup ${this.spec.name} Failed: ${reason}`, { error: cause });
    this.claimed.stopRenewing();
    // A claim lost to a reader (its lease lapsed) is recorded Failed by that reader: its record stands.
    if (this.claimed.lost) this.log.warn(`velero-backup.json keeps what another writer or reader recorded: ${this.claimed.lost.message}`);
    else {
      await this.claimed.recordFailed(this.veleroBackupJson('Failed', completedAt, reason), {
        clock: this.deps.clock, log: this.log, failureRecordMs: this.deps.failureRecordMs ?? FAILURE_RECORD_MS,
        ...(this.deps.sleep ? { sleep: this.deps.sleep } : {}),
      });
    }
    await this.deps.store.put(this.key('logs'), this.logFile.gzip(), { contentType: 'application/gzip' })
      .catch((err: Error) => this.deps.log?.warn(`could not write the backup's log: ${err.message}`));
    for (const file of Object.keys(this.files)) delete this.files[file];
    return this.outcome('Failed', completedAt, { failureReason: reason, failure: cause });
  }

  private outcome(phase: BackupOutcome['phase'], completedAt: Date, extra: Partial<BackupOutcome>): BackupOutcome {
    return {
      name: this.spec.name, phase, startedAt: this.startedAt, completedAt, expiresAt: this.expiresAt,
      itemsBackedUp: this.contents?.itemCount ?? 0, totalItems: (this.contents?.itemCount ?? 0) + (this.contents?.refusedCount ?? 0),
      byResource: this.contents?.countsByResource() ?? {},
      files: { ...this.files }, results: this.results,
      warnings: countMessages(this.results.warnings), errors: countMessages(this.results.errors), ...extra,
    };
  }

  private report(finished?: string): void {
    if (!this.expired && this.deps.clock().getTime() >= this.deadline.getTime()) this.expire();
    const count = finished ? this.contents?.countsByResource()[finished] ?? 0 : 0;
    if (count > 0) this.logFile.record('info', `backed up ${count} ${finished}`, { resource: finished });
    if (!this.deps.onProgress) return;
    const byResource = this.contents?.countsByResource() ?? {};
    const progress: BackupProgress = {
      itemsBackedUp: this.contents?.itemCount ?? 0, byResource,
      bytesWritten: this.bytesWritten, bytesArchived: this.archive?.bytesArchived ?? 0, typesDone: this.typesProgress.done, typesTotal: this.typesProgress.total,
      ...(finished ? { finished: { groupResource: finished, items: byResource[finished] ?? 0 } } : {}),
    };
    this.deps.onProgress(progress);
  }

  private key(file: BackupFile): string {
    return this.deps.layout.backupKey(this.spec.name, file);
  }

  private fileName(file: BackupFile): string {
    return backupFileName(this.spec.name, file);
  }
}
