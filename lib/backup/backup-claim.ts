/**
 * A backup writer's claim on its name: velero-backup.json, created with If-None-Match and then rewritten only with
 * If-Match on the version this writer last wrote, one write at a time. While the run is InProgress the deadline it
 * records (FERRY_ANNOTATIONS.deadline) is a lease, renewed every third of BACKUP_LEASE_MS: a writer killed outright
 * (SIGKILL, a function stopped by Lambda) is recorded Failed by the next reader (lib/catalog/abandoned.ts) soon
 * after its last renewal, not at the end of its whole time (six hours for `ferry backup`). A renewal refused because
 * the record changed means a reader recorded it Failed: the claim is lost and the run must stop.
 */
import { PreconditionFailedError } from '../store/errors.js';
import type { ObjectStore } from '../store/object-store.js';
import { BackupExistsError, BackupFailedError } from './errors.js';

/** How long a running backup's claim lasts without renewal (a reader adds ABANDON_GRACE_MS before judging). */
export const BACKUP_LEASE_MS = 3 * 60_000;

/** What a claim needs: the bucket, where velero-backup.json is, and a log for renewals that did not land. */
export interface BackupClaimDeps {
  store: ObjectStore;
  key: string;
  name: string;
  log: { warn(message: string, data?: Record<string, unknown>): void };
}

/** What recording a failure needs: a clock, how long to keep trying, how to pause between attempts, a log. */
export interface RecordFailedDeps {
  clock: () => Date;
  failureRecordMs: number;
  sleep?: (ms: number) => Promise<void>;
  log: { warn(message: string, data?: Record<string, unknown>): void };
}

/** The claim on one backup's velero-backup.json; see the module comment. */
export class BackupClaim {
  /** Set once a conditional write found the record changed by someone else: whatever they wrote stands. */
  lost?: BackupFailedError;
  private etag?: string;
  private writing: Promise<unknown> = Promise.resolve();
  private timer?: ReturnType<typeof setInterval>;

  constructor(private readonly deps: BackupClaimDeps) {}

  /** Creates velero-backup.json; throws BackupExistsError when it exists. */
  async create(body: string): Promise<void> {
    try {
      const { etag } = await this.deps.store.put(this.deps.key, body, { contentType: 'application/json', ifNoneMatch: '*' });
      this.etag = etag || undefined;
    } catch (err) {
      if (err instanceof PreconditionFailedError) throw new BackupExistsError(this.deps.name, this.deps.key, { cause: err });
      throw err;
    }
  }

  /**
   * Rewrites velero-backup.json if it is still the version this claim wrote, after any write of it under way.
   * Throws PreconditionFailedError (and marks the claim lost) when someone else changed it.
   */
  write(body: Uint8Array | string): Promise<void> {
    const next = this.writing.catch(() => undefined).then(async () => {
      const { etag } = await this.deps.store.put(this.deps.key, body, { contentType: 'application/json', ...(this.etag ? { ifMatch: this.etag } : {}) })
        .catch((err: unknown) => {
          if (err instanceof PreconditionFailedError) this.noteLost(err);
          throw err;
        });
      this.etag = etag || undefined;
    });
    this.writing = next;
    return next;
  }

  /**
   * Renews the lease every `everyMs` with the record `render` gives (the run's InProgress record, its lease moved
   * on) until stopRenewing. A renewal that does not land is logged and tried again at the next tick; one that finds
   * the record changed calls `onLost` once.
   */
  startRenewing(render: () => string, everyMs: number, onLost: (err: BackupFailedError) => void): void {
    this.stopRenewing();
    this.timer = setInterval(() => {
      if (this.lost) return;
      this.write(render()).catch((err: Error) => {
        if (this.lost) {
          this.stopRenewing();
          onLost(this.lost);
        } else {
          this.deps.log.warn(`could not renew the backup's claim in velero-backup.json (tried again in ${Math.round(everyMs / 1000)} s): ${err.message}`);
        }
      });
    }, everyMs);
    this.timer.unref?.();
  }

  /** Stops renewing; a renewal under way still lands (later writes wait for it). */
  stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Writes Failed into velero-backup.json, trying again with a growing pause while the bucket does not take it (it
   * may be what failed), for failureRecordMs at most: a writer that lives on records its phase once the bucket
   * answers again, rather than leaving InProgress until a reader finds its lease lapsed. A conditional write that
   * no longer matches means a reader recorded it first (lib/catalog/abandoned.ts): theirs stands.
   */
  async recordFailed(body: string, deps: RecordFailedDeps): Promise<void> {
    const giveUpAt = deps.clock().getTime() + deps.failureRecordMs;
    const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.write(body);
        if (attempt > 1) deps.log.warn(`recorded the failure in velero-backup.json at attempt ${attempt}`);
        return;
      } catch (err) {
        // An attempt that timed out may still have landed (a frozen bucket works through its queue once it thaws).
        if (err instanceof PreconditionFailedError && attempt > 1 && await this.recordedPhase() === 'Failed') {
          deps.log.warn('velero-backup.json records Failed (an earlier attempt landed after its timeout, or a reader recorded it)');
          return;
        }
        const pause = Math.min(1000 * 2 ** (attempt - 1), 30_000);
        if (err instanceof PreconditionFailedError || deps.clock().getTime() + pause > giveUpAt) {
          deps.log.warn(`could not record the failure in velero-backup.json: ${(err as Error).message}`, { attempts: attempt });
          return;
        }
        deps.log.warn(`could not record the failure in velero-backup.json (attempt ${attempt}): ${(err as Error).message}; trying again in ${pause / 1000} s`);
        await sleep(pause);
      }
    }
  }

  /** The phase velero-backup.json records now, or undefined when it cannot be read. */
  private async recordedPhase(): Promise<string | undefined> {
    try {
      const { bytes } = await this.deps.store.getBytes(this.deps.key);
      return (JSON.parse(Buffer.from(bytes).toString('utf8')) as { status?: { phase?: string } }).status?.phase;
    } catch {
      return undefined;
    }
  }

  private noteLost(cause: PreconditionFailedError): void {
    this.lost ??= new BackupFailedError(`the backup lost its claim: velero-backup.json was changed by another writer or reader `
      + `(recorded Failed after its lease lapsed, most likely), so this run stops and leaves that record as it is`, { cause });
  }
}
