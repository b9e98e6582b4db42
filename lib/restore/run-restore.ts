import { privilegedRoleKeys } from './stages/privileged-rbac.js';
import { crdListMapKeysFrom, type ResourceModifiers } from './modifiers/index.js';
import type { Cluster, Discovery, RequestStats } from '../kube/cluster.js';
import { splitApiVersion } from '../model/object.js';
import { addMessage, countMessages, emptyResults, mergeResult, type RunResults } from '../model/results.js';
import type { RestoreSpec } from '../spec/restore-spec.js';
import { NotFoundError } from '../store/errors.js';
import type { BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import { fingerprintOf, readCatalogEntry } from '../catalog/catalog-entry.js';
import { listBackupFiles, validateBackup, type Verdict } from '../catalog/validate.js';
import { applyAll, type ApplyGroup } from './apply/apply-all.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from './apply/checkpoint.js';
import type { ItemOutcome } from './apply/outcome.js';
import { claimRestoreIdentity } from './identity.js';
import { loadModifiers } from './modifier-source.js';
import { STAGES, transformAll } from './pipeline.js';
import { readBackupItems } from './read-backup.js';
import { countOutcomes, phaseOf, requestsSince, resultsFrom, type RestoreResult } from './result.js';
import { storeResult, readResult } from './result-store.js';
import { applyGroups, targetFromDiscovery } from './target.js';
import { loadTargetPatchMeta } from './target-patch-meta.js';
import type { TransformItem } from './types.js';
import { volumesToReprovision } from './stages/reprovision-volumes.js';
import { loadRestoreVolumes } from './volumes/load.js';
import { withVolumeSnapshots } from './volumes/restore-objects.js';
import type { VolumeMover } from '../volumes/mover.js';
import { prepareFills } from '../volumes/restore-volume-data.js';

/** One restore to run. */
export interface RestoreRequest {
  /** The restore's name (its folder under restores/); also the velero.io/restore-name label. */
  name: string;
  spec: RestoreSpec;
  dryRun: boolean;
  targetCluster?: string;
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
  /** Fills restored claims with the backup's volume data; without one, claims with data are left empty (a warning). */
  volumeMover?: VolumeMover;
}

/** The restore was refused before anything was applied (bad backup, missing rules, unreachable target). */
export class RestoreRefusedError extends Error {
  override name = 'RestoreRefusedError';
}

/** The storage location holds no file of the backup the restore names. */
export class NoSuchBackupError extends RestoreRefusedError {
  override name = 'NoSuchBackupError';
  constructor(readonly backup: string, readonly location: string) {
    super(`no backup named "${backup}" in storage location ${location}; nothing was restored`);
  }
}

const REFUSED_PHASES = new Set(['Corrupt', 'Incomplete', 'Invalid', 'Failed']);

/**
 * Runs a restore: verify the backup, discover the target, load the modifier rules, stream and transform
 * the backup, apply it in priority order, and store the result under restores/<name>/. Running the same
 * restore again returns its finished result, or resumes it from its checkpoint: no object is applied twice.
 */
export async function runRestore(request: RestoreRequest, deps: RestoreDeps): Promise<RestoreResult> {
  const backup = request.spec.backupName;
  if (!backup) throw new RestoreRefusedError('spec.backupName is required to restore (a restore from a schedule names its latest backup)');
  const requestsBefore = deps.cluster.stats ? { ...deps.cluster.stats } : undefined;
  await claimRestoreIdentity(deps.store, deps.layout, { ...request, backup }, deps.now, { record: false });
  const finished = await readResult(deps.store, deps.layout, request.name).catch((err) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  if (finished && finished.phase !== 'InProgress' && finished.dryRun === request.dryRun) {
    deps.log.info('restore already finished; returning its stored result', { restore: request.name, phase: finished.phase });
    return finished;
  }
  const verdict = await verifyBackup(backup, deps);
  refuseUnusable(verdict);
  await claimRestoreIdentity(deps.store, deps.layout, { ...request, backup }, deps.now);
  const checkpoint = await resumeOrStart(request, deps, backup);

  const discovery = await deps.cluster.discover();
  const target = targetFromDiscovery(discovery);
  const modifiers = await loadModifiers(request.spec.resourceModifier, deps.cluster, {
    restoreNamespace: request.spec.namespace, defaultNamespace: deps.modifierNamespace ?? 'csdr',
  });

  const plan = await planRestore(request, deps, { backup, discovery, target, modifiers });
  if (!verdict.verified) addMessage(plan.results.warnings, undefined, `backup ${backup} has no Ferry manifest (a Velero backup): its contents are not verified`);

  const filler = await prepareFills({
    backup, restore: request.name, namespaceMapping: request.spec.namespaceMapping, dryRun: request.dryRun,
    ...(request.spec.restorePVs !== undefined ? { restorePVs: request.spec.restorePVs } : {}),
  }, { ...deps, results: plan.results, ...(deps.volumeMover ? { mover: deps.volumeMover } : {}) });
  const reserve = deps.reserveMs ?? 15_000;
  let lastSave = Date.now();
  const finishedAll = await applyAll(deps.cluster, plan.groups, {
    policy: request.spec.existingResourcePolicy, dryRun: request.dryRun, concurrency: deps.concurrency ?? 16,
    namespaceLabels: { 'velero.io/backup-name': backup, 'velero.io/restore-name': request.name },
    crdWait: { timeoutMs: 60_000, intervalMs: 250, sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))), now: () => Date.now() },
    done: checkpoint.done,
    shouldStop: () => deps.remainingMs !== undefined && deps.remainingMs() < reserve,
    afterGroup: (group) => filler.afterGroup(group),
    onOutcome: async (outcome, progress) => {
      deps.onProgress?.(outcome, progress);
      // Save progress now and then, so that a crash loses little work; a stop saves it at once below.
      if (Date.now() - lastSave > 5_000) {
        lastSave = Date.now();
        await saveCheckpoint(deps.store, deps.layout, checkpoint);
      }
    },
  });

  const outcomes = Object.values(checkpoint.done);
  const results = resultsFrom(outcomes, plan.results);
  const result: RestoreResult = {
    restore: request.name, backup, dryRun: request.dryRun, verified: verdict.verified,
    ...(request.targetCluster ? { targetCluster: request.targetCluster } : {}),
    phase: finishedAll.finished ? phaseOf(outcomes, countMessages(plan.results.errors)) : 'InProgress',
    startedAt: checkpoint.startedAt, invocations: checkpoint.invocations,
    ...(finishedAll.finished ? { completedAt: deps.now().toISOString() } : {}),
    counts: countOutcomes(outcomes),
    skippedByTransform: plan.skipped,
    items: outcomes, results,
    ...optionalRequests(requestsSince(requestsBefore, deps.cluster.stats)),
  };
  await saveCheckpoint(deps.store, deps.layout, checkpoint);
  await storeResult(deps.store, deps.layout, result);
  deps.log.info('restore ' + (finishedAll.finished ? 'finished' : 'checkpointed; it continues in a fresh invocation'), {
    restore: request.name, phase: result.phase, ...result.counts,
  });
  return result;
}

function optionalRequests(apiRequests: RequestStats | undefined): { apiRequests?: RequestStats } {
  return apiRequests ? { apiRequests } : {};
}

/** What apply and the result need of the transformed backup. */
interface RestorePlan {
  groups: ApplyGroup[];
  skipped: RestoreResult['skippedByTransform'];
  /** The transform's warnings and errors, and the run's own (unreadable entries, volume records). */
  results: RunResults;
}

/**
 * Streams the backup's items through the pipeline. Only the plan comes back, so the objects as they were in
 * the backup (which the modifier conditions needed) can be collected before apply starts.
 */
async function planRestore(request: RestoreRequest, deps: RestoreDeps,
  input: { backup: string; discovery: Discovery; target: ReturnType<typeof targetFromDiscovery>; modifiers?: ResourceModifiers }): Promise<RestorePlan> {
  const { backup, discovery, target, modifiers } = input;
  const runResults = emptyResults();
  const items: TransformItem[] = [];
  const { body } = await deps.store.get(deps.layout.backupKey(backup, 'tarball'));
  for await (const item of readBackupItems(body, target.resolve, (e) => addMessage(runResults.errors, undefined, `backup entry ${e.path}: ${e.reason}`))) {
    items.push(item);
  }
  const crds = items.filter((i) => i.object.kind === 'CustomResourceDefinition').map((i) => i.object);
  // restorePVs: false (Velero's) restores claims and volumes as they were, without their snapshot data.
  const loaded = request.spec.restorePVs === false ? { warnings: [] } : await loadRestoreVolumes(backup, deps, discovery, request.spec.csiDriverMapping);
  for (const w of loaded.warnings) addMessage(runResults.warnings, undefined, w);
  // Strategic patches merge built-in kinds by the target's own merge keys (its OpenAPI v3), when it publishes them.
  const targetPatchMeta = modifiers?.rules.some((r) => r.patches.type === 'strategic')
    ? await loadTargetPatchMeta(deps.cluster, discovery, items.map((i) => splitApiVersion(i.object.apiVersion).group), deps.log) : undefined;
  const context = {
    spec: request.spec, backupName: backup, restoreName: request.name, resolve: target.resolve, served: target.served,
    privilegedRoles: privilegedRoleKeys(items),
    ...(modifiers ? { modifiers, crdListMapKeys: crdListMapKeysFrom(crds) } : {}), ...(loaded.volumes ? { volumes: loaded.volumes } : {}),
    reprovisionVolumes: volumesToReprovision(items, loaded.volumes),
    ...(targetPatchMeta ? { targetPatchMeta } : {}),
  };
  // Each object as it was in the backup is let go once transformed: only the transformed ones are held to order.
  const transformed = withVolumeSnapshots(transformAll(drain(items), context, STAGES, { keepOriginals: false }), context);
  mergeResult(runResults.warnings, transformed.warnings);
  mergeResult(runResults.errors, transformed.errors);
  return {
    groups: applyGroups(transformed.items),
    skipped: transformed.skipped.map((s) => ({
      kind: s.item.object.kind, namespace: s.item.backupNamespace, name: s.item.object.metadata.name ?? '', reason: `${s.stage}: ${s.reason}`,
    })),
    results: runResults,
  };
}

/** Yields the items of an array, emptying each slot as it goes, so that what the consumer drops can be freed. */
function* drain<T>(items: (T | undefined)[]): Generator<T> {
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    items[i] = undefined;
    yield item;
  }
}

/**
 * Judges the backup before anything is applied. When the index function has judged exactly these files (same
 * keys, sizes and ETags: the catalog entry's fingerprint) its verdict stands; otherwise the backup is validated
 * again, manifest hashes and tarball structure included. Either way every entry is checked again as it is read.
 */
async function verifyBackup(backup: string, deps: RestoreDeps): Promise<Pick<Verdict, 'name' | 'phase' | 'verified' | 'problems'>> {
  const files = await listBackupFiles(deps, backup);
  if (files.length === 0) throw new NoSuchBackupError(backup, deps.location ?? `with prefix "${deps.layout.backupsPrefix()}"`);
  const { entry } = await readCatalogEntry(deps.store, deps.layout, backup);
  if (entry && entry.fingerprint === fingerprintOf(files) && (entry.phase === 'Completed' || entry.phase === 'PartiallyFailed')) {
    return { name: backup, phase: entry.phase, verified: entry.verified, problems: entry.problems };
  }
  return validateBackup(backup, { store: deps.store, layout: deps.layout }, files);
}

function refuseUnusable(verdict: Pick<Verdict, 'name' | 'phase' | 'problems'>): void {
  if (REFUSED_PHASES.has(verdict.phase)) {
    throw new RestoreRefusedError(`backup ${verdict.name} is ${verdict.phase}${verdict.problems[0] ? `: ${verdict.problems[0]}` : ''}; nothing was restored`);
  }
}

async function resumeOrStart(request: RestoreRequest, deps: RestoreDeps, backup: string): Promise<Checkpoint> {
  const saved = await loadCheckpoint(deps.store, deps.layout, request.name);
  if (saved && saved.backup !== backup) {
    throw new RestoreRefusedError(`restore ${request.name} was started from backup ${saved.backup}, not ${backup}; choose another restore name`);
  }
  if (saved && saved.dryRun === request.dryRun) {
    deps.log.info('resuming restore from its checkpoint', { restore: request.name, done: Object.keys(saved.done).length });
    return { ...saved, invocations: saved.invocations + 1 };
  }
  return { restore: request.name, backup, dryRun: request.dryRun, startedAt: deps.now().toISOString(), done: {}, invocations: 1 };
}
