import { randomUUID } from 'node:crypto';
import type { Cluster, RequestStats } from '../kube/cluster.js';
import { addMessage, countMessages } from '../model/results.js';
import type { RestoreSpec } from '../spec/restore-spec.js';
import { BucketDataError, NotFoundError } from '../store/errors.js';
import type { BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import type { Verdict } from '../catalog/validate.js';
import { applyAll } from './apply/apply-all.js';
import type { ItemOutcome } from './apply/outcome.js';
import { OutcomeLog } from './apply/outcome-log.js';
import type { Checkpoint } from './apply/checkpoint.js';
import { RestoreClaim } from './claim.js';
import { LeaseLostError, RestoreRefusedError } from './errors.js';
import { RESTORE_LIMITS } from './limits.js';
import { claimRestoreIdentity } from './identity.js';
import { loadModifiers } from './modifier-source.js';
import { planRestore, type RestorePlan } from './plan.js';
import { addRequests, phaseOf, requestsSince, type RestoreResult } from './result.js';
import { planOutcomes, resultsOf, storeItems } from './result-items.js';
import { storeResult, readResult } from './result-store.js';
import { targetFromDiscovery } from './target.js';
import { checkBackup } from './verify-backup.js';

export { NoSuchBackupError, RestoreRefusedError, RestoreRunningError } from './errors.js';
import type { VolumeMover } from '../volumes/mover.js';
import { prepareFills } from '../volumes/restore-volume-data.js';

/** One restore to run. */
export interface RestoreRequest {
  /** The restore's name (its folder under restores/); also the velero.io/restore-name label. */
  name: string;
  spec: RestoreSpec;
  dryRun: boolean;
  targetCluster?: string;
  /** The token a continuation was handed with the claim (lib/restore/claim.ts). */
  claimToken?: string;
  /** Set when a continuation will follow if this invocation runs out of time: the claim is handed to this token. */
  continuationToken?: string;
}

/** What a restore needs: the backup's bucket, the target, time, and where to report. */
export interface RestoreDeps {
  store: ObjectStore;
  layout: BucketLayout;
  cluster: Cluster;
  now: () => Date;
  log: { info(message: string, data?: Record<string, unknown>): void; warn(message: string, data?: Record<string, unknown>): void };
  /** Objects written at once inside a priority group (default 16). */
  concurrency?: number;
  /** Milliseconds left in this invocation; the restore checkpoints and stops when fewer than `reserveMs` remain. */
  remainingMs?: () => number;
  reserveMs?: number;
  /** Where resourceModifier ConfigMaps are looked up when neither the source nor the restore names a namespace. */
  modifierNamespace?: string;
  /** The storage location's name, for messages (`no backup named X in location Y`). */
  location?: string;
  /** Called after each object. */
  onProgress?: (outcome: ItemOutcome, progress: { group: string; groupDone: number; groupTotal: number; done: number; total: number }) => void;
  sleep?: (ms: number) => Promise<void>;
  /** This invocation's id in the claim (a random UUID by default). */
  holderId?: () => string;
  /** Where the transformed objects are spilled (the OS's temporary folder by default) and how much room they may take. */
  spill?: { dir?: string; limit?: number };
  /** Fills restored claims with the backup's volume data; without one, claims with data are left empty (a warning). */
  volumeMover?: VolumeMover;
}

const REFUSED_PHASES = new Set(['Corrupt', 'Incomplete', 'Invalid', 'Failed']);

/**
 * Runs a restore: claim its name, verify the backup, discover the target, load the modifier rules, stream and
 * transform the backup into a spill, apply it in priority order, and store the result under restores/<name>/
 * (a dry run under restores/<name>/dry-run/). Running the same restore again returns its finished result, or
 * resumes it from its checkpoint: no object is applied twice. While another invocation holds the claim, this
 * one throws RestoreRunningError and does nothing.
 */
export async function runRestore(request: RestoreRequest, deps: RestoreDeps): Promise<RestoreResult> {
  const backup = request.spec.backupName;
  if (!backup) throw new RestoreRefusedError('spec.backupName is required to restore (a restore from a schedule names its latest backup)');
  const requestsBefore = deps.cluster.stats ? { ...deps.cluster.stats } : undefined;
  await claimRestoreIdentity(deps.store, deps.layout, { ...request, backup }, deps.now, { record: false });
  const notes: string[] = [];
  const finished = await storedResult(request, deps, notes);
  if (finished && finished.phase !== 'InProgress') {
    deps.log.info('restore already finished; returning its stored result', { restore: request.name, phase: finished.phase });
    return finished;
  }
  const claim = await RestoreClaim.acquire({
    restore: request.name, backup, dryRun: request.dryRun, holder: (deps.holderId ?? randomUUID)(),
    ...(request.claimToken ? { token: request.claimToken } : {}),
  }, deps);
  // The requests of earlier invocations, as their last save counted them, and this one's so far.
  const earlier = claim.checkpoint.apiRequests;
  const requests = () => addRequests(earlier, requestsSince(requestsBefore, deps.cluster.stats));
  claim.track(() => ({ apiRequests: requests() }));
  try {
    const result = await restoreClaimed(request, deps, claim, notes, requests);
    await claim.release(result.phase === 'InProgress' ? request.continuationToken : undefined);
    return result;
  } catch (err) {
    // A refused or failed run gives its claim back at once; a lost claim is no longer ours to write.
    if (!(err instanceof LeaseLostError)) await claim.release().catch(() => undefined);
    throw err;
  }
}

async function restoreClaimed(request: RestoreRequest, deps: RestoreDeps, claim: RestoreClaim, notes: string[],
  requests: () => RequestStats | undefined): Promise<RestoreResult> {
  const backup = request.spec.backupName!;
  const checked = await checkBackup(backup, deps);
  refuseUnusable(checked.verdict);
  if (!checked.tarball) throw new RestoreRefusedError(`backup ${backup} has no tarball; nothing was restored`);
  // The name now belongs to this backup and target: a later run elsewhere under it is refused (identity.ts).
  await claimRestoreIdentity(deps.store, deps.layout, { ...request, backup }, deps.now);
  const discovery = await deps.cluster.discover();
  const target = targetFromDiscovery(discovery);
  const modifiers = await loadModifiers(request.spec.resourceModifier, deps.cluster, {
    restoreNamespace: request.spec.namespace, defaultNamespace: deps.modifierNamespace ?? 'csdr',
  });
  const plan = await planRestore({
    spec: request.spec, backup, restore: request.name, tarball: checked.tarball, discovery, target,
    ...(checked.verdict.counts ? { counts: checked.verdict.counts } : {}),
    ...(modifiers ? { modifiers } : {}), onProgress: () => claim.saveIfDue(), ...(deps.spill ? { spill: deps.spill } : {}),
  }, deps);
  try {
    if (!checked.verdict.verified) addMessage(plan.results.warnings, undefined, `backup ${backup} has no Ferry manifest (a Velero backup): its contents are not verified`);
    for (const note of notes) addMessage(plan.results.warnings, undefined, note);
    return await applyPlan(request, deps, claim, plan, { verified: checked.verdict.verified, requests });
  } finally {
    await plan.spill.close();
  }
}

async function applyPlan(request: RestoreRequest, deps: RestoreDeps, claim: RestoreClaim, plan: RestorePlan,
  run: { verified: boolean; requests: () => RequestStats | undefined }): Promise<RestoreResult> {
  const backup = request.spec.backupName!;
  const checkpoint = claim.checkpoint;
  const reserve = deps.reserveMs ?? 15_000;
  const shouldStop = () => claim.lost || (deps.remainingMs !== undefined && deps.remainingMs() < reserve);
  const log = outcomeLogOf(checkpoint, plan, deps.log);
  claim.track(() => ({
    plan: plan.fingerprint, outcomes: log.save(), apiRequests: run.requests(),
    groups: plan.groups.map((g) => ({ name: g.name, entries: g.items.length, byStatus: log.byStatus(g.items) })),
  }));
  const filler = await prepareFills({
    backup, restore: request.name, namespaceMapping: request.spec.namespaceMapping, dryRun: request.dryRun, run: checkpoint.startedAt,
    ...(request.spec.restorePVs !== undefined ? { restorePVs: request.spec.restorePVs } : {}),
  }, { ...deps, results: plan.results, ...(deps.volumeMover ? { mover: deps.volumeMover } : {}), shouldStop });
  const finishedAll = await applyAll(deps.cluster, plan.groups, {
    policy: request.spec.existingResourcePolicy, dryRun: request.dryRun, concurrency: deps.concurrency ?? 16,
    namespaceLabels: { 'velero.io/backup-name': backup, 'velero.io/restore-name': request.name },
    crdWait: { timeoutMs: 60_000, intervalMs: 250, sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))), now: () => deps.now().getTime() },
    progress: log,
    shouldStop,
    load: async (entry) => JSON.parse((await plan.spill.read(plan.spilled.at(entry))).toString('utf8')),
    namespaces: plan.namespaces,
    budget: { sizeOf: (entry) => plan.spilled.at(entry).length, maxBytes: RESTORE_LIMITS.maxInFlightBytes },
    afterGroup: (name, objects) => filler.afterGroup(name, objects),
    onOutcome: async (outcome, progress) => {
      deps.onProgress?.(outcome, progress);
      await claim.saveIfDue();
    },
  });
  const counts = log.counts();
  const results = await resultsOf(plan, log, plan.results);
  const result: RestoreResult = {
    restore: request.name, backup, dryRun: request.dryRun, verified: run.verified,
    ...(request.targetCluster ? { targetCluster: request.targetCluster } : {}),
    phase: finishedAll.finished ? phaseOf(counts, countMessages(plan.results.errors)) : 'InProgress',
    startedAt: checkpoint.startedAt, invocations: checkpoint.invocations,
    ...(finishedAll.finished ? { completedAt: deps.now().toISOString() } : {}),
    counts,
    skippedByTransform: plan.skipped, ...(plan.skippedOmitted ? { skippedByTransformOmitted: plan.skippedOmitted } : {}),
    ...await storeItems({ ...deps, restore: request.name, dryRun: request.dryRun }, planOutcomes(plan, log), counts.total),
    results,
    ...optionalRequests(run.requests()),
  };
  // Progress first (the claim still ours), then the result: a second invocation that sees it finished stops there.
  await claim.save();
  await storeResult(deps.store, deps.layout, result);
  deps.log.info('restore ' + (finishedAll.finished ? 'finished' : 'checkpointed; it continues in a fresh invocation'), {
    restore: request.name, phase: result.phase, ...result.counts,
  });
  return result;
}

function optionalRequests(apiRequests: RequestStats | undefined): { apiRequests?: RequestStats } {
  return apiRequests ? { apiRequests } : {};
}

/** Maximum bytes of messages about objects a restore keeps (in its checkpoint and result); past them, statuses alone. */
const MAX_NOTE_BYTES = 4 * 1024 * 1024;

/**
 * The outcomes the checkpoint holds, when they are numbered by this same plan; else (none yet, another plan: the
 * target's discovery changed what the transform makes of the backup) a fresh log, and objects an earlier invocation
 * wrote are found unchanged.
 */
function outcomeLogOf(checkpoint: Checkpoint, plan: RestorePlan, log: RestoreDeps['log']): OutcomeLog {
  const fresh = () => new OutcomeLog(plan.fingerprint.entries, MAX_NOTE_BYTES);
  if (!checkpoint.outcomes || !checkpoint.plan) return fresh();
  const samePlan = checkpoint.plan.entries === plan.fingerprint.entries && checkpoint.plan.sha256 === plan.fingerprint.sha256;
  const restored = samePlan ? OutcomeLog.restore(checkpoint.outcomes, plan.fingerprint.entries, MAX_NOTE_BYTES) : 'it was made for another plan of the backup';
  if (typeof restored !== 'string') return restored;
  log.warn(`the checkpoint's outcomes are not used (${restored}); objects written before are found unchanged`, { restore: checkpoint.restore });
  return fresh();
}

/** The stored result of this restore, if there is a readable one; an unreadable one is noted and will be replaced. */
async function storedResult(request: RestoreRequest, deps: RestoreDeps, notes: string[]): Promise<RestoreResult | undefined> {
  try {
    return await readResult(deps.store, deps.layout, request.name, { dryRun: request.dryRun });
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    if (!(err instanceof BucketDataError)) throw err;
    const note = `${err.message}: it is ignored and replaced by this run's result`;
    deps.log.warn(note, { restore: request.name });
    notes.push(note);
    return undefined;
  }
}

function refuseUnusable(verdict: Pick<Verdict, 'name' | 'phase' | 'problems'>): void {
  if (REFUSED_PHASES.has(verdict.phase)) {
    throw new RestoreRefusedError(`backup ${verdict.name} is ${verdict.phase}${verdict.problems[0] ? `: ${verdict.problems[0]}` : ''}; nothing was restored`);
  }
}
