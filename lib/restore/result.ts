import type { RunResults } from '../model/results.js';
import type { RequestStats } from '../kube/cluster.js';
import type { ItemOutcome, ItemStatus } from './apply/outcome.js';

/** A restore's phase, as Velero names them; InProgress is a restore that will continue in a fresh invocation. */
export type RestorePhase = 'InProgress' | 'Completed' | 'PartiallyFailed' | 'Failed';

/** Everything a restore reports: stored as restores/<name>/ferry-result.json and returned to the caller. */
export interface RestoreResult {
  restore: string;
  backup: string;
  phase: RestorePhase;
  dryRun: boolean;
  /** False for a Velero backup without a Ferry manifest. */
  verified: boolean;
  targetCluster?: string;
  startedAt: string;
  completedAt?: string;
  invocations: number;
  counts: Record<ItemStatus, number> & { total: number };
  /** Skipped by the transform stages (filters, never-restored kinds), with the reason: the first 1,000. */
  skippedByTransform: { kind: string; namespace: string; name: string; reason: string }[];
  /** Objects left out by the transform past the first 1,000 (which `skippedByTransform` lists). */
  skippedByTransformOmitted?: number;
  /**
   * Every object's outcome, in apply order, when the restore has at most 1,000 (result-items.ts INLINE_ITEMS); a
   * larger restore leaves this empty and stores them in `itemParts` parts beside the result (readItems reads both).
   */
  items: ItemOutcome[];
  /** How many parts hold the outcomes (restores/<name>/ferry-items-NNNNN.json.gz); absent or 0 when `items` holds them. */
  itemParts?: number;
  results: RunResults;
  /** Set when the run itself failed (Failed phase). */
  failure?: string;
  /**
   * The restore's requests to the target's API server, over every invocation so far: how many were retried, and how
   * many answers were 429 (throttling, waited out as Retry-After asked). Absent for a cluster adapter that does not count.
   */
  apiRequests?: RequestStats;
}

/** The difference of two counts of a cluster's requests: what happened between them. */
export function requestsSince(before: RequestStats | undefined, after: RequestStats | undefined): RequestStats | undefined {
  if (!before || !after) return undefined;
  return { requests: after.requests - before.requests, retries: after.retries - before.retries, throttled: after.throttled - before.throttled };
}

/** The sum of two counts of requests (either may be absent: an adapter that does not count, or no earlier invocation). */
export function addRequests(a: RequestStats | undefined, b: RequestStats | undefined): RequestStats | undefined {
  if (!a || !b) return a ?? b;
  return { requests: a.requests + b.requests, retries: a.retries + b.retries, throttled: a.throttled + b.throttled };
}

/** Completed when nothing failed; PartiallyFailed when some objects (or transform errors) failed. */
export function phaseOf(counts: RestoreResult['counts'], transformErrors: number): RestorePhase {
  return counts.failed > 0 || transformErrors > 0 ? 'PartiallyFailed' : 'Completed';
}

/** One restore as a list shows it (`ferry restores list`, the console's restores page). */
export interface RestoreRow {
  name: string;
  backup?: string;
  targetCluster?: string;
  phase: string;
  dryRun?: boolean;
  startedAt?: string;
  completedAt?: string;
  counts?: RestoreResult['counts'];
}
