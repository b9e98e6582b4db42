/** The restores pages' data: every restore, one restore's progress and outcome, and starting one. */
import { readCatalogEntry } from '../catalog/catalog-entry.js';
import { loadCheckpoint, type GroupOutcomes } from '../restore/apply/checkpoint.js';
import type { ItemOutcome } from '../restore/apply/outcome.js';
import { readIdentity, type RestoreIdentity } from '../restore/identity.js';
import type { RestoreResult, RestoreRow } from '../restore/result.js';
import { readResult } from '../restore/result-store.js';
import { BucketDataError, NotFoundError } from '../store/errors.js';
import { isValidName } from '../store/layout.js';
import { checkName } from './backups.js';
import type { ConsoleDeps } from './deps.js';
import { ConsoleError } from './errors.js';
import { progressByGroup, progressOfPlanGroups, type GroupProgress } from './progress.js';
import type { RestoreRequestForm } from './restore-form.js';

/** One restore in the list. */
export type { RestoreRow };

/** Every restore of the location (real runs; previews' dry runs are listed as dry runs). */
export async function listRestores(deps: Pick<ConsoleDeps, 'store' | 'layout'>): Promise<RestoreRow[]> {
  const prefix = deps.layout.restoresPrefix();
  const names = new Set<string>();
  for await (const o of deps.store.list(prefix)) {
    const name = o.key.slice(prefix.length).split('/')[0]!;
    if (isValidName(name)) names.add(name);
  }
  const rows: RestoreRow[] = [];
  for (const name of [...names].sort()) {
    const status = await restoreStatus(deps, name).catch((err: unknown) => {
      if (err instanceof ConsoleError) return undefined;
      throw err;
    });
    if (!status) continue;
    const r = status.result;
    rows.push({
      name, phase: status.phase, dryRun: status.dryRun, ...(status.identity ? { backup: status.identity.backup, targetCluster: status.identity.targetCluster } : {}),
      ...(r ? { startedAt: r.startedAt, counts: r.counts, ...(r.completedAt ? { completedAt: r.completedAt } : {}) } : {}),
    });
  }
  return rows;
}

/** A restore as the progress page shows it. */
export interface RestoreStatus {
  name: string;
  identity?: RestoreIdentity;
  dryRun: boolean;
  /** The stored result's phase; `Pending` before the first checkpoint, `InProgress` while objects are applied. */
  phase: string;
  invocations: number;
  groups: GroupProgress[];
  /** Every failed object with the API server's message. */
  failed: ItemOutcome[];
  result?: Omit<RestoreResult, 'items' | 'skippedByTransform'>;
}

/** Reads a restore's progress: its result when finished, else its checkpoint; 404 when nothing is stored. */
export async function restoreStatus(deps: Pick<ConsoleDeps, 'store' | 'layout'>, name: string): Promise<RestoreStatus> {
  checkName(name, 'restore');
  const identity = await readIdentity(deps.store, deps.layout, name).catch(() => undefined);
  // A real run's records first; a name only ever dry-run shows its dry run's.
  for (const dryRun of [false, true]) {
    const found = await progressOf(deps, name, dryRun);
    if (found) return withGroups(deps, name, identity, dryRun, found);
  }
  if (!identity) throw new ConsoleError(404, `no restore named ${name}`);
  return withGroups(deps, name, identity, identity.dryRun === true, { outcomes: [], invocations: 0 });
}

interface Found {
  result?: RestoreResult;
  outcomes: ItemOutcome[];
  invocations: number;
  /** A running restore's progress by group, from its checkpoint. */
  groups?: GroupOutcomes[];
}

/** The result, or while there is none (or it says InProgress) the checkpoint's outcomes; undefined when neither exists. */
async function progressOf(deps: Pick<ConsoleDeps, 'store' | 'layout'>, name: string, dryRun: boolean): Promise<Found | undefined> {
  const result = await readResult(deps.store, deps.layout, name, { dryRun }).catch((err: unknown) => {
    if (err instanceof NotFoundError || err instanceof BucketDataError) return undefined;
    throw err;
  });
  if (result && result.phase !== 'InProgress') return { result, outcomes: result.items, invocations: result.invocations };
  const stored = await loadCheckpoint(deps.store, deps.layout, name, dryRun);
  if (stored.state === 'ok') {
    // The checkpoint keeps a byte per object by plan entry and counts by group, not the objects' names: the last
    // invocation's result names its objects (and the failed ones).
    const { groups, invocations } = stored.checkpoint;
    return { ...(result ? { result } : {}), outcomes: result?.items ?? [], invocations, ...(groups ? { groups } : {}) };
  }
  return result ? { result, outcomes: result.items, invocations: result.invocations } : undefined;
}

async function withGroups(deps: Pick<ConsoleDeps, 'store' | 'layout'>, name: string, identity: RestoreIdentity | undefined, dryRun: boolean,
  { result, outcomes, invocations, groups }: Found): Promise<RestoreStatus> {
  const backup = identity?.backup ?? result?.backup;
  const counts = groups || !backup ? undefined : (await readCatalogEntry(deps.store, deps.layout, backup).catch(() => ({ entry: undefined }))).entry?.counts;
  const progress = groups ? progressOfPlanGroups(groups) : progressByGroup(counts, outcomes);
  const started = progress.some((g) => g.done > 0);
  const { items: _items, skippedByTransform: _skipped, ...summary } = result ?? ({} as Partial<RestoreResult>);
  return {
    name, dryRun, invocations, groups: progress,
    phase: result?.phase ?? (started ? 'InProgress' : 'Pending'),
    failed: outcomes.filter((o) => o.status === 'failed'),
    ...(identity ? { identity } : {}), ...(result ? { result: summary as RestoreStatus['result'] } : {}),
  };
}

/** Starts a restore through the restore function (asynchronously); 409 when the name is taken. */
export async function startRestore(deps: Pick<ConsoleDeps, 'store' | 'layout' | 'functions'>, form: RestoreRequestForm): Promise<{ restore: string }> {
  const name = form.spec.name;
  const taken = await readIdentity(deps.store, deps.layout, name).catch(() => undefined);
  if (taken) throw new ConsoleError(409, `the restore name ${name} is taken (backup ${taken.backup} into ${taken.targetCluster}): choose another`);
  await deps.functions.start('restore', { spec: form.document, cluster: form.targetCluster });
  return { restore: name };
}
