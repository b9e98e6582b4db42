/**
 * A restore's claim on its name: its checkpoint carries a lease, created with If-None-Match and renewed,
 * handed over or released with If-Match, so that of two invocations of one restore only one ever writes.
 * A continuation is handed the lease by a token in its event; a crashed holder's lease runs out and anyone
 * may take it then.
 */
import { PreconditionFailedError } from '../store/errors.js';
import type { BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from './apply/checkpoint.js';
import { LeaseLostError, RestoreRefusedError, RestoreRunningError } from './errors.js';

/** How long a lease lasts without renewal; renewals come with every checkpoint save (every few seconds). */
export const LEASE_MS = 3 * 60_000;

/** What claiming needs. */
export interface ClaimDeps {
  store: ObjectStore;
  layout: BucketLayout;
  now: () => Date;
  log: { warn(message: string, data?: Record<string, unknown>): void; info(message: string, data?: Record<string, unknown>): void };
}

/** Who claims: a fresh holder id for this invocation, and the token a continuation was handed (if any). */
export interface Claimant {
  restore: string;
  backup: string;
  dryRun: boolean;
  holder: string;
  token?: string;
}

/** A held claim: the checkpoint it guards, saved only while the lease is still ours. */
export class RestoreClaim {
  /** True once another invocation took the claim over: stop at once, write nothing more. */
  lost = false;
  private saving?: Promise<void>;
  private lastSave: number;
  private saveEveryMs = 5_000;
  private progress?: () => Pick<Checkpoint, 'plan' | 'outcomes' | 'apiRequests' | 'groups'>;

  private constructor(readonly checkpoint: Checkpoint, private etag: string, private readonly deps: ClaimDeps, private readonly holder: string) {
    this.lastSave = deps.now().getTime();
  }

  /**
   * Claims the restore. A live lease held by someone else (not handed to `token`) throws RestoreRunningError;
   * a checkpoint of another backup throws RestoreRefusedError; an unreadable checkpoint is replaced with a warning.
   */
  static async acquire(claimant: Claimant, deps: ClaimDeps): Promise<RestoreClaim> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const stored = await loadCheckpoint(deps.store, deps.layout, claimant.restore, claimant.dryRun);
      const lease = { holder: claimant.holder, expiresAt: new Date(deps.now().getTime() + LEASE_MS).toISOString() };
      const fresh: Checkpoint = {
        restore: claimant.restore, backup: claimant.backup, dryRun: claimant.dryRun, startedAt: deps.now().toISOString(), invocations: 1, lease,
      };
      let next: Checkpoint = fresh;
      let condition: { ifMatch: string } | { ifNoneMatch: '*' } = { ifNoneMatch: '*' };
      if (stored.state === 'corrupt') {
        deps.log.warn(`${stored.problem.message}; the restore starts over (objects it already wrote are found unchanged)`, { restore: claimant.restore });
        condition = { ifMatch: stored.etag };
      } else if (stored.state === 'ok') {
        const saved = stored.checkpoint;
        if (saved.backup !== claimant.backup) {
          throw new RestoreRefusedError(`restore ${claimant.restore} was started from backup ${saved.backup}, not ${claimant.backup}; choose another restore name`);
        }
        if (heldByOther(saved, claimant, deps.now())) throw new RestoreRunningError(claimant.restore, saved.lease!.holder, saved.lease!.expiresAt);
        next = { ...saved, invocations: saved.invocations + 1, lease };
        condition = { ifMatch: stored.etag };
      }
      try {
        const { etag } = await saveCheckpoint(deps.store, deps.layout, next, condition);
        if (stored.state === 'ok') deps.log.info('resuming restore from its checkpoint', { restore: claimant.restore, invocation: next.invocations });
        return new RestoreClaim(next, etag, deps, claimant.holder);
      } catch (err) {
        // Another invocation wrote first: read again and judge again (most likely it is running now).
        if (!(err instanceof PreconditionFailedError)) throw err;
      }
    }
    throw new RestoreRunningError(claimant.restore, 'another invocation', 'it is released');
  }

  /** Saves progress and renews the lease; throws LeaseLostError when another invocation took the claim over. */
  async save(): Promise<void> {
    await this.write({ holder: this.holder, expiresAt: this.expiry(LEASE_MS) });
  }

  /**
   * save(), when enough time has passed since the last one and none is under way, so that a crash loses little: 5 s,
   * or a second per 100 KB written when longer (a checkpoint of 100,000 objects is about 140 KB, more with messages).
   */
  async saveIfDue(): Promise<void> {
    if (this.saving || this.deps.now().getTime() - this.lastSave < this.saveEveryMs) return;
    await this.save();
  }

  /** Sets what each save takes from the run (its outcomes, plan and request counts) into the checkpoint. */
  track(progress: () => Pick<Checkpoint, 'plan' | 'outcomes' | 'apiRequests' | 'groups'>): void {
    this.progress = progress;
  }

  /**
   * Saves progress and gives the claim up: to the continuation holding `token` (it has a lease's time to
   * start), or to anyone at once.
   */
  async release(token?: string): Promise<void> {
    await this.write(token ? { holder: token, expiresAt: this.expiry(LEASE_MS) } : { holder: '', expiresAt: this.expiry(0) });
  }

  private expiry(ms: number): string {
    return new Date(this.deps.now().getTime() + ms).toISOString();
  }

  private async write(lease: Checkpoint['lease']): Promise<void> {
    // One write at a time: two with the same If-Match would make the second look like a lost claim.
    while (this.saving) await this.saving.catch(() => undefined);
    if (this.lost) throw new LeaseLostError(this.checkpoint.restore);
    this.saving = (async () => {
      this.checkpoint.lease = lease;
      Object.assign(this.checkpoint, this.progress?.());
      try {
        const { etag, bytes } = await saveCheckpoint(this.deps.store, this.deps.layout, this.checkpoint, { ifMatch: this.etag });
        this.etag = etag;
        this.lastSave = this.deps.now().getTime();
        this.saveEveryMs = Math.max(5_000, bytes / 100);
      } catch (err) {
        if (!(err instanceof PreconditionFailedError)) throw err;
        this.lost = true;
        throw new LeaseLostError(this.checkpoint.restore, { cause: err });
      }
    })();
    try {
      await this.saving;
    } finally {
      this.saving = undefined;
    }
  }
}

/** True when the saved lease is live and neither ours by hand-over nor released. */
function heldByOther(saved: Checkpoint, claimant: Claimant, now: Date): boolean {
  const lease = saved.lease;
  if (!lease || lease.holder === '' || Date.parse(lease.expiresAt) <= now.getTime()) return false;
  return claimant.token === undefined || lease.holder !== claimant.token;
}
