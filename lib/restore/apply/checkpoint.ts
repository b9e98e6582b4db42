import { isRecord } from '../../model/object.js';
import { readJsonObject } from '../../store/bounded-read.js';
import { BucketDataError, NotFoundError } from '../../store/errors.js';
import type { BucketLayout } from '../../store/layout.js';
import type { ObjectStore } from '../../store/object-store.js';
import { RESTORE_LIMITS } from '../limits.js';
import type { RequestStats } from '../../kube/cluster.js';
import type { ItemStatus } from './outcome.js';
import type { SavedOutcomes } from './outcome-log.js';

/** Who may write a restore's checkpoint, until when. A holder of `""` (or a past time) is a released claim. */
export interface Lease {
  holder: string;
  /** RFC 3339. */
  expiresAt: string;
}

/** A restore's progress and claim, saved to the bucket so that a fresh invocation continues where one ran out of time. */
export interface Checkpoint {
  restore: string;
  backup: string;
  /** A dry run's checkpoint lives under its own key (restores/<name>/dry-run/) and never resumes a real run. */
  dryRun: boolean;
  /** RFC 3339 time the restore started (kept across invocations). */
  startedAt: string;
  /** The plan the outcomes are numbered by (plan.ts fingerprint); absent before the first object is applied. */
  plan?: { entries: number; sha256: string };
  /** Outcomes by the plan's entry numbers: a byte each, and their messages up to a bound (outcome-log.ts). */
  outcomes?: SavedOutcomes;
  /** Requests to the target's API server of every invocation so far (as of its last save). */
  apiRequests?: RequestStats;
  /** The plan's priority groups in apply order, with their outcomes so far by status (for progress pages). */
  groups?: GroupOutcomes[];
  invocations: number;
  lease?: Lease;
}

/** One priority group of a plan: its name (a groupResource), its number of entries, and their outcomes so far by status. */
export interface GroupOutcomes {
  name: string;
  entries: number;
  byStatus: Partial<Record<ItemStatus, number>>;
}

/** What is stored under a restore's checkpoint key: nothing, a checkpoint, or something unreadable (with why). */
export type StoredCheckpoint =
  | { state: 'none' }
  | { state: 'ok'; checkpoint: Checkpoint; etag: string }
  | { state: 'corrupt'; problem: BucketDataError; etag: string };

/** Reads a restore's checkpoint, bounded and checked; an unreadable one is reported with its ETag (to replace it). */
export async function loadCheckpoint(store: ObjectStore, layout: BucketLayout, restore: string, dryRun: boolean): Promise<StoredCheckpoint> {
  const key = layout.restoreKey(restore, 'checkpoint', { dryRun });
  const info = await store.head(key);
  if (!info) return { state: 'none' };
  try {
    const { value, etag } = await readJsonObject(store, key, { maxBytes: RESTORE_LIMITS.maxStateBytes });
    const problem = checkpointProblem(value, restore, dryRun);
    if (problem) return { state: 'corrupt', problem: new BucketDataError(key, `is not a checkpoint of this restore: ${problem}`), etag };
    return { state: 'ok', checkpoint: value as Checkpoint, etag };
  } catch (err) {
    if (err instanceof NotFoundError) return { state: 'none' };
    if (err instanceof BucketDataError) return { state: 'corrupt', problem: err, etag: info.etag };
    throw err;
  }
}

/** Writes a restore's checkpoint on a condition (create only, or replace the version read); returns the new ETag and its size. */
export async function saveCheckpoint(store: ObjectStore, layout: BucketLayout, checkpoint: Checkpoint,
  condition: { ifMatch: string } | { ifNoneMatch: '*' }): Promise<{ etag: string; bytes: number }> {
  const key = layout.restoreKey(checkpoint.restore, 'checkpoint', { dryRun: checkpoint.dryRun });
  const body = JSON.stringify(checkpoint);
  const { etag } = await store.put(key, body, { contentType: 'application/json', ...condition });
  return { etag, bytes: body.length };
}

function checkpointProblem(value: unknown, restore: string, dryRun: boolean): string | undefined {
  if (!isRecord(value)) return 'not a JSON object';
  if (value.restore !== restore) return `it names restore ${JSON.stringify(value.restore)}`;
  if (value.dryRun !== dryRun) return `dryRun is ${JSON.stringify(value.dryRun)}, expected ${dryRun}`;
  if (typeof value.backup !== 'string' || typeof value.startedAt !== 'string') return 'backup or startedAt is not a string';
  if (!Number.isSafeInteger(value.invocations) || (value.invocations as number) < 1) return `invocations is ${JSON.stringify(value.invocations)}`;
  const plan = value.plan;
  if (plan !== undefined && (!isRecord(plan) || !Number.isSafeInteger(plan.entries) || typeof plan.sha256 !== 'string')) return 'plan needs entries and a sha256';
  if (value.outcomes !== undefined && (!isRecord(value.outcomes) || plan === undefined)) return 'outcomes need a plan';
  const requests = value.apiRequests;
  if (requests !== undefined && (!isRecord(requests) || !['requests', 'retries', 'throttled'].every((k) => Number.isSafeInteger(requests[k])))) {
    return 'apiRequests needs whole numbers of requests, retries and throttled';
  }
  const groups = value.groups;
  if (groups !== undefined && (!Array.isArray(groups) || !groups.every(isGroupOutcomes))) return 'groups needs a name, entries and byStatus for each group';
  const lease = value.lease;
  if (lease !== undefined && (!isRecord(lease) || typeof lease.holder !== 'string' || typeof lease.expiresAt !== 'string' || Number.isNaN(Date.parse(lease.expiresAt)))) {
    return 'lease needs a holder and an RFC 3339 expiresAt';
  }
  return undefined;
}

function isGroupOutcomes(value: unknown): boolean {
  return isRecord(value) && typeof value.name === 'string' && Number.isSafeInteger(value.entries) && isRecord(value.byStatus)
    && Object.values(value.byStatus).every((n) => Number.isSafeInteger(n));
}
