/**
 * Continues a backup an earlier invocation handed over (lib/backup/hand-off.ts): takes it with a conditional write of
 * velero-backup.json (two invocations of one continuation: one goes on, the other stops), adopts the volume moves
 * still running and starts those not started, then either hands it over again or commits it as runBackup would:
 * ferry-volume-data.json, the results, the log and velero-backup.json, and ferry-manifest.json last.
 */
import { ClusterError } from '../kube/errors.js';
import { isRecord, type KubeObject } from '../model/object.js';
import { countMessages, type RunResults } from '../model/results.js';
import { readJsonObject } from '../store/bounded-read.js';
import { BucketDataError, NotFoundError, PreconditionFailedError, StoreError } from '../store/errors.js';
import { backupFileName, type BackupFile } from '../store/layout.js';
import { manifestEntry } from '../store/manifest.js';
import { commitManifest, finalPhase, resultsFile } from './commit.js';
import { moveVolumeData } from '../volumes/backup-volume-data.js';
import { backedUpPodKeys, podVolumeBackupFiles } from '../volumes/velero-pod-volume-records.js';
import { serializeVolumeData } from '../volumes/volume-data-record.js';
import { BackupLogFile } from './backup-log.js';
import { HandOffError, parseHandOff, serializeHandOff, stopAtHandOff, type BackupHandOff } from './hand-off.js';
import { HAND_OFF_PICKUP_MS, settleAll } from './run-backup.js';
import type { BackupDeps, BackupOutcome } from './types.js';
import { withStatus } from './velero-backup.js';

/** What a continuation needs: runBackup's ports, its deadline and hand-off time. */
export type ContinueDeps = Pick<BackupDeps, 'store' | 'layout' | 'cluster' | 'clock' | 'log' | 'volumeMover' | 'handOffAt'> & {
  /** When this invocation must have ended; recorded as the backup's deadline while it runs. */
  deadline: Date;
};

/** A continuation that had nothing to do: the backup is not (or no longer) waiting, or another invocation took it. */
export interface ContinueSkipped {
  skipped: string;
}

/** Bounds of the two small files read back. */
const MAX_BACKUP_JSON = 4 * 1024 * 1024;
const MAX_HAND_OFF = 64 * 1024 * 1024;

/** Continues backup `name`; see the module comment. */
export async function continueBackup(name: string, deps: ContinueDeps): Promise<BackupOutcome | ContinueSkipped> {
  const { store, layout } = deps;
  const backupKey = layout.backupKey(name, 'backup');
  let read;
  try {
    read = await readJsonObject(store, backupKey, { maxBytes: MAX_BACKUP_JSON });
  } catch (err) {
    if (err instanceof NotFoundError) return { skipped: `backup ${name} does not exist` };
    throw err;
  }
  const object = read.value;
  const phase = isRecord(object) && isRecord(object.status) ? object.status.phase : undefined;
  if (!isRecord(object) || !isRecord(object.metadata) || phase !== 'WaitingForPluginOperations') {
    return { skipped: `backup ${name} is ${typeof phase === 'string' ? phase : 'not a backup Ferry can read'}, not WaitingForPluginOperations: nothing to continue` };
  }
  const backup = object as unknown as KubeObject;
  const run = new Continuation(name, backup, deps);
  // Taking it: the same deadline annotation a fresh run writes, conditional on the object just read.
  try {
    await run.putBackup(withStatus(backup, { phase: 'WaitingForPluginOperations', deadline: deps.deadline }), read.etag);
  } catch (err) {
    if (err instanceof PreconditionFailedError) return { skipped: `backup ${name} was taken by another invocation` };
    throw err;
  }
  let handOff: BackupHandOff;
  try {
    handOff = parseHandOff((await readJsonObject(store, layout.backupKey(name, 'handOff'), { maxBytes: MAX_HAND_OFF })).value, name);
  } catch (err) {
    if (!(err instanceof HandOffError) && !(err instanceof BucketDataError) && !(err instanceof NotFoundError)) throw err;
    return run.fail(`its hand-over record cannot be used: ${err.message}`, emptyHandOff(name));
  }
  return run.go(handOff);
}

class Continuation {
  private etag?: string;

  constructor(private readonly name: string, private readonly backup: KubeObject, private readonly deps: ContinueDeps) {}

  async go(handOff: BackupHandOff): Promise<BackupOutcome> {
    const logFile = new BackupLogFile(this.name, this.deps.clock, handOff.log);
    const log = logFile.wrap(this.deps.log);
    const results: RunResults = handOff.results;
    if (!this.deps.volumeMover) return this.fail('no volume mover is configured for its storage location (storageLocations.<name>.volumeData)', handOff);
    try {
      log.info(`backup ${this.name}: invocation ${handOff.invocations + 1} continues ${handOff.pending.length} volume move(s)`);
      const moved = await moveVolumeData(this.name, handOff.pending, {
        cluster: this.deps.cluster, results, log, mover: this.deps.volumeMover, run: String((isRecord(this.backup.status) ? this.backup.status.startTimestamp : undefined) ?? ''),
        ...stopAtHandOff(this.deps.clock, this.deps.handOffAt),
      });
      const next: BackupHandOff = {
        ...handOff, invocations: handOff.invocations + 1, pending: moved.pending,
        volumes: [...handOff.volumes, ...moved.volumes], failed: [...handOff.failed, ...moved.failed], results, log: logFile.recorded(),
      };
      if (moved.pending.length > 0) return await this.handOver(next);
      return await this.commit(next, logFile);
    } catch (err) {
      if (!(err instanceof ClusterError) && !(err instanceof StoreError) && !(err instanceof NotFoundError) && !(err instanceof PreconditionFailedError)) throw err;
      return this.fail(err instanceof ClusterError ? `the cluster failed: ${err.message}` : `the bucket failed: ${err.message}`, { ...handOff, log: logFile.recorded() });
    }
  }

  /** Writes velero-backup.json conditionally on the last version this invocation read or wrote. */
  async putBackup(object: KubeObject, ifMatch: string | undefined = this.etag): Promise<Uint8Array> {
    const bytes = Buffer.from(JSON.stringify(object, null, 2), 'utf8');
    const { etag } = await this.deps.store.put(this.key('backup'), bytes, { contentType: 'application/json', ...(ifMatch ? { ifMatch } : {}) });
    this.etag = etag || undefined;
    return bytes;
  }

  private async handOver(next: BackupHandOff): Promise<BackupOutcome> {
    await this.deps.store.put(this.key('handOff'), serializeHandOff(next), { contentType: 'application/json' });
    const pickUpBy = new Date(this.deps.clock().getTime() + HAND_OFF_PICKUP_MS);
    await this.putBackup(withStatus(this.backup, { phase: 'WaitingForPluginOperations', deadline: pickUpBy }));
    return this.outcome(next, 'WaitingForPluginOperations', { pendingVolumes: next.pending.length });
  }

  private async commit(done: BackupHandOff, logFile: BackupLogFile): Promise<BackupOutcome> {
    const files = { ...done.files };
    const hashed = (file: BackupFile, body: Uint8Array) => {
      files[backupFileName(this.name, file)] = manifestEntry(body);
      return body;
    };
    const put = async (file: BackupFile, body: Uint8Array, contentType: string) => {
      await this.deps.store.put(this.key(file), hashed(file, body), { contentType });
    };
    const phase = finalPhase(done.results);
    const completedAt = this.deps.clock();
    logFile.record('info', `backup ${this.name} ${phase}: ${done.itemsBackedUp} items`);
    const volumeData = Buffer.from(serializeVolumeData(done.volumes, done.failed), 'utf8');
    const location = String((this.backup.spec as { storageLocation?: unknown } | undefined)?.storageLocation ?? 'default');
    const podKeys = done.volumes.length > 0 ? await backedUpPodKeys(this.name, this.deps) : [];
    const podRecords = await podVolumeBackupFiles({ backup: this.name, location, volumes: done.volumes, podKeys }, this.deps.cluster);
    await settleAll([
      put('volumeData', volumeData, 'application/json'),
      ...podRecords.map(([file, body]) => put(file, body, 'application/gzip')),
      put('results', resultsFile(done.results), 'application/gzip'),
      put('logs', logFile.gzip(), 'application/gzip'),
    ]);
    const final = withStatus(this.backup, {
      phase, deadline: this.deps.deadline, completedAt,
      warnings: countMessages(done.results.warnings), errors: countMessages(done.results.errors),
    });
    hashed('backup', await this.putBackup(final));
    const manifestKey = await commitManifest(this.deps.store, this.deps.layout, this.name, files, this.deps.clock());
    await this.deps.store.delete(this.key('handOff')).catch((err: Error) => this.deps.log?.warn(`could not delete the backup's hand-over record: ${err.message}`));
    this.deps.log?.info(`backup ${this.name} ${phase}`, { items: done.itemsBackedUp, invocations: done.invocations });
    return { ...this.outcome(done, phase, { manifestKey }), files };
  }

  /** Records Failed (best effort: the bucket may be what failed) with the reason; no manifest is written. */
  async fail(reason: string, handOff: BackupHandOff): Promise<BackupOutcome> {
    const logFile = new BackupLogFile(this.name, this.deps.clock, handOff.log);
    logFile.record('error', `backup ${this.name} Failed: ${reason}`);
    this.deps.log?.warn(`backup ${this.name} Failed: ${reason}`);
    const failed = withStatus(this.backup, { phase: 'Failed', deadline: this.deps.deadline, completedAt: this.deps.clock(), failureReason: reason });
    await this.putBackup(failed).catch((err: Error) => this.deps.log?.warn(`could not record the failure in velero-backup.json: ${err.message}`));
    await this.deps.store.put(this.key('logs'), logFile.gzip(), { contentType: 'application/gzip' }).catch(() => undefined);
    return { ...this.outcome(handOff, 'Failed', { failureReason: reason }), files: {} };
  }

  private outcome(h: BackupHandOff, phase: BackupOutcome['phase'], extra: Partial<BackupOutcome>): BackupOutcome {
    const status = (this.backup.status ?? {}) as Record<string, unknown>;
    const time = (v: unknown) => new Date(typeof v === 'string' ? v : 0);
    return {
      name: this.name, phase, startedAt: time(status.startTimestamp), completedAt: this.deps.clock(), expiresAt: time(status.expiration),
      itemsBackedUp: h.itemsBackedUp, byResource: h.byResource, files: { ...h.files }, results: h.results,
      // The first invocation recorded the items it listed (refused ones too) in velero-backup.json's progress.
      totalItems: totalItemsOf(status.progress) ?? h.itemsBackedUp,
      warnings: countMessages(h.results.warnings), errors: countMessages(h.results.errors), ...extra,
    };
  }

  private key(file: BackupFile): string {
    return this.deps.layout.backupKey(this.name, file);
  }

}

function emptyHandOff(name: string): BackupHandOff {
  return { backup: name, invocations: 0, itemsBackedUp: 0, byResource: {}, claims: [], pending: [], volumes: [], failed: [], files: {}, results: { errors: {}, warnings: {} }, log: [] };
}

/** status.progress.totalItems when it is a count. */
function totalItemsOf(progress: unknown): number | undefined {
  const total = (progress as { totalItems?: unknown } | undefined)?.totalItems;
  return typeof total === 'number' && Number.isSafeInteger(total) ? total : undefined;
}
