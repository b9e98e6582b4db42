import { addMessage, emptyResults, mergeResult, type RunResults } from '../model/results.js';
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
  /** Skipped by the transform stages (filters, never-restored kinds), with the reason. */
  skippedByTransform: { kind: string; namespace: string; name: string; reason: string }[];
  items: ItemOutcome[];
  results: RunResults;
  /** Set when the run itself failed (Failed phase). */
  failure?: string;
  /**
   * This invocation's requests to the target's API server: how many were retried, and how many answers were 429
   * (throttling, waited out as Retry-After asked). Absent for a cluster adapter that does not count.
   */
  apiRequests?: RequestStats;
}

/** The difference of two counts of a cluster's requests: what happened between them. */
export function requestsSince(before: RequestStats | undefined, after: RequestStats | undefined): RequestStats | undefined {
  if (!before || !after) return undefined;
  return { requests: after.requests - before.requests, retries: after.retries - before.retries, throttled: after.throttled - before.throttled };
}

/** Counts outcomes by status. */
export function countOutcomes(items: readonly ItemOutcome[]): RestoreResult['counts'] {
  const counts = { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, total: items.length };
  for (const i of items) counts[i.status]++;
  return counts;
}

/** Velero-shaped warnings and errors from the outcomes, merged into the transform's own. */
export function resultsFrom(items: readonly ItemOutcome[], transform: RunResults): RunResults {
  const results = emptyResults();
  mergeResult(results.warnings, transform.warnings);
  mergeResult(results.errors, transform.errors);
  for (const i of items) {
    const line = `${i.kind} ${i.name}: ${i.message ?? i.status}`;
    if (i.status === 'failed') addMessage(results.errors, i.namespace, line);
    else if (i.warning) addMessage(results.warnings, i.namespace, line);
  }
  return results;
}

/** Completed when nothing failed; PartiallyFailed when some objects (or transform errors) failed. */
export function phaseOf(items: readonly ItemOutcome[], transformErrors: number): RestorePhase {
  return items.some((i) => i.status === 'failed') || transformErrors > 0 ? 'PartiallyFailed' : 'Completed';
}
