/**
 * The `backup` function: invoked with a spec (`{spec, cluster?}`), or by a schedule (an EventBridge Scheduled
 * Event whose `detail` carries the BackupSchedule, or a scheduler's input `{schedule, time?, cluster?}`). It takes
 * one backup into the spec's storage location and answers with its outcome; a Failed backup fails the invocation
 * (serverless.yml turns Lambda's retries off: a retry of a taken name can only be refused). The run ends, Failed,
 * BACKUP_RESERVE_MS before the function's time is up. Volume moves that outlast the invocation are handed over
 * (HAND_OFF_MS before that): the backup is WaitingForPluginOperations and the function invokes itself with
 * `{continueBackup: <name>, cluster, location?, continuation}` to adopt them and commit the backup when they end.
 */
import { BackupFailedError } from '../lib/backup/errors.js';
import { backupForDocument, chooseSourceCluster } from '../lib/backup/request.js';
import { continueBackup, type ContinueSkipped } from '../lib/backup/continue-backup.js';
import { runBackup } from '../lib/backup/run-backup.js';
import { DEFAULT_BACKUP_TIME_LIMIT_MS, type BackupOutcome } from '../lib/backup/types.js';
import type { OpenedLocation } from '../lib/compose.js';
import type { Cluster } from '../lib/kube/cluster.js';
import { isRecord } from '../lib/model/object.js';
import { isValidName } from '../lib/store/layout.js';
import { parseBackupDocument, parseBackupDocumentText, type BackupDocument } from '../lib/spec/backup-spec.js';
import type { FerryConfig } from '../lib/spec/config.js';
import { ProblemCollector, SpecError } from '../lib/spec/problems.js';
import type { Logger, Runtime } from './compose.js';
import { lambdaContinuation, readMaxInvocations, type ContinueLater } from './continuation.js';
import { backupMeasure } from './metrics.js';
import { ferryHandler, type InvocationContext } from './middleware/index.js';

/**
 * Time kept back from the function's limit: at the deadline the run aborts its upload and records Failed in the
 * bucket, which must be done before Lambda stops the process.
 */
export const BACKUP_RESERVE_MS = 30_000;
/** Time before that at which volume moves still running are handed over to a fresh invocation. */
export const HAND_OFF_MS = 60_000;
import { volumeMoverDeps } from '../lib/volumes/open-mover.js';

/** A validated backup request. */
export interface BackupRequest {
  document: BackupDocument;
  /** The cluster the event names, if it names one. */
  cluster?: string;
  /** When the schedule fired (names the backup); the clock's time when absent. */
  time?: Date;
}

/** A continuation of a handed-over backup (the function sends it to itself). */
export interface BackupContinueRequest {
  continueBackup: string;
  cluster: string;
  location?: string;
  /** Invocations before this one (at least 1). */
  continuation: number;
}

/** What the core needs: the runtime's config, stores, clusters, clock and log, and how to continue later. */
export type BackupHandlerDeps = Pick<Runtime, 'config' | 'clock'> & {
  openStore(name?: string): OpenedLocation;
  openCluster(name: string): Promise<Cluster>;
  log: Pick<Logger, 'info' | 'warn'>;
  /** Starts a fresh invocation with this event (absent: a handed-over backup is left for its pickup deadline). */
  continueLater?: ContinueLater;
  /** Most invocations one backup may take (FERRY_BACKUP_MAX_INVOCATIONS, default 20). */
  maxInvocations?: number;
  /** The volume mover of a location in a cluster (default: from the location's volumeData settings). */
  openMover?: typeof volumeMoverDeps;
};

/** The function's answer. */
export type BackupResponse =
  | { skipped: 'paused'; schedule: string }
  | {
    backup: string; phase: BackupOutcome['phase']; cluster: string; storageLocation: string; itemsBackedUp: number;
    /** Items listed: those backed up and those refused (nested too deep), each refusal among the errors. */
    totalItems: number;
    byResource: Record<string, number>; warnings: number; errors: number; startedAt: string; completedAt: string;
    /** Bytes of the files the backup wrote. */
    bytes: number;
    expiresAt: string; manifestKey?: string;
    /** Volume moves still running (phase WaitingForPluginOperations), and whether a fresh invocation continues them. */
    pendingVolumes?: number; continues?: boolean;
  }
  | { backup: string; skipped: string };

const WHAT = 'backup request';

/** Validates an event: `{spec}`, `{schedule, time?}`, an EventBridge Scheduled Event with `detail.schedule`, or a continuation. */
export function parseBackupEvent(event: Record<string, unknown>): BackupRequest | BackupContinueRequest {
  if (event.continueBackup !== undefined) return parseContinueEvent(event);
  const scheduled = event['detail-type'] === 'Scheduled Event' && isRecord(event.detail);
  const body = scheduled ? event.detail as Record<string, unknown> : event;
  const base = scheduled ? 'detail' : '';
  const at = (field: string) => (base ? `${base}.${field}` : field);
  const p = new ProblemCollector(WHAT);
  const given = ['spec', 'schedule'].filter((k) => body[k] !== undefined);
  if (given.length !== 1) {
    p.add(base, given.length === 0 ? 'expected "spec" (a backup or schedule, as an object or YAML text) or "schedule"' : 'give either "spec" or "schedule", not both');
  }
  for (const key of Object.keys(body)) {
    if (!['spec', 'schedule', 'cluster', 'time'].includes(key)) p.add(at(key), 'unknown field (expected spec, schedule, cluster or time)');
  }
  if (body.cluster !== undefined && (typeof body.cluster !== 'string' || body.cluster === '')) p.add(at('cluster'), 'expected a cluster name from the config');
  const timeText = scheduled ? event.time : body.time;
  const time = typeof timeText === 'string' ? new Date(timeText) : undefined;
  if (timeText !== undefined && (!time || Number.isNaN(time.getTime()))) p.add('time', `expected an RFC 3339 time, got ${JSON.stringify(timeText)}`);
  p.throwIfAny();
  const field = given[0]!;
  let document: BackupDocument;
  try {
    const value = body[field];
    document = typeof value === 'string' ? parseBackupDocumentText(value, at(field)) : parseBackupDocument(value, at(field));
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    throw new SpecError(err.problems.map((x) => ({ ...x, path: x.path ? `${at(field)}.${x.path}` : at(field) })), { cause: err });
  }
  if (field === 'schedule' && document.type !== 'schedule') {
    throw new SpecError([{ document: WHAT, path: at('schedule'), message: 'expected a BackupSchedule or Velero Schedule (use "spec" for a one-off backup)' }]);
  }
  return { document, ...(typeof body.cluster === 'string' ? { cluster: body.cluster } : {}), ...(time ? { time } : {}) };
}

/** Validates `{continueBackup, cluster, location?, continuation}`. */
function parseContinueEvent(event: Record<string, unknown>): BackupContinueRequest {
  const p = new ProblemCollector(WHAT);
  for (const key of Object.keys(event)) {
    if (!['continueBackup', 'cluster', 'location', 'continuation'].includes(key)) p.add(key, 'unknown field in a continuation (expected continueBackup, cluster, location, continuation)');
  }
  if (typeof event.continueBackup !== 'string' || !isValidName(event.continueBackup)) p.add('continueBackup', `expected a backup name, got ${JSON.stringify(event.continueBackup)?.slice(0, 80)}`);
  if (typeof event.cluster !== 'string' || event.cluster === '') p.add('cluster', 'expected a cluster name from the config');
  if (event.location !== undefined && typeof event.location !== 'string') p.add('location', 'expected a storage location name');
  if (!Number.isSafeInteger(event.continuation) || (event.continuation as number) < 1) {
    p.add('continuation', `expected a whole number of at least 1 (invocations before this one), got ${JSON.stringify(event.continuation)}`);
  }
  p.throwIfAny();
  return {
    continueBackup: event.continueBackup as string, cluster: event.cluster as string, continuation: event.continuation as number,
    ...(typeof event.location === 'string' ? { location: event.location } : {}),
  };
}

/** The cluster a request backs up. */
export function requestCluster(req: BackupRequest | BackupContinueRequest, config: FerryConfig): string {
  if ('continueBackup' in req) return req.cluster;
  const template = req.document.type === 'backup' ? req.document.backup : req.document.schedule.template;
  return chooseSourceCluster(config, template, req.cluster);
}

/** The core: resolves the backup (a schedule's is named by its firing time), runs or continues it and maps the outcome. */
export async function backupHandlerCore(req: BackupRequest | BackupContinueRequest, deps: BackupHandlerDeps, context: InvocationContext = {}): Promise<BackupResponse> {
  if ('continueBackup' in req) return continueHandlerCore(req, deps, context);
  const resolved = backupForDocument(req.document, req.time ?? deps.clock());
  if ('paused' in resolved) {
    deps.log.info(`schedule ${resolved.paused} is paused: no backup taken`);
    return { skipped: 'paused', schedule: resolved.paused };
  }
  const spec = resolved.backup;
  const clusterName = requestCluster(req, deps.config);
  const location = deps.openStore(spec.storageLocation);
  const cluster = await deps.openCluster(clusterName);
  const outcome = await runBackup(spec, {
    store: location.store, layout: location.layout, cluster, clock: deps.clock, storageLocation: location.name, sourceCluster: clusterName, log: deps.log,
    ...invocationTimes(deps, context), ...(deps.openMover ?? volumeMoverDeps)(location, cluster),
  });
  return respond(outcome, { cluster: clusterName, storageLocation: location.name, location: spec.storageLocation, continuation: 0 }, deps);
}

/** The deadline and hand-off time of this invocation, from the time Lambda says is left. */
function invocationTimes(deps: Pick<BackupHandlerDeps, 'clock'>, context: InvocationContext): { deadline?: Date; handOffAt?: Date } {
  const remaining = context.getRemainingTimeInMillis?.();
  if (remaining === undefined) return {};
  const now = deps.clock().getTime();
  return {
    deadline: new Date(now + Math.max(0, remaining - BACKUP_RESERVE_MS)),
    handOffAt: new Date(now + Math.max(0, remaining - BACKUP_RESERVE_MS - HAND_OFF_MS)),
  };
}

/** One invocation of a handed-over backup. */
async function continueHandlerCore(req: BackupContinueRequest, deps: BackupHandlerDeps, context: InvocationContext): Promise<BackupResponse> {
  const location = deps.openStore(req.location);
  const cluster = await deps.openCluster(req.cluster);
  const times = invocationTimes(deps, context);
  const outcome: BackupOutcome | ContinueSkipped = await continueBackup(req.continueBackup, {
    store: location.store, layout: location.layout, cluster, clock: deps.clock, log: deps.log,
    deadline: times.deadline ?? new Date(deps.clock().getTime() + DEFAULT_BACKUP_TIME_LIMIT_MS), ...(times.handOffAt ? { handOffAt: times.handOffAt } : {}),
    ...(deps.openMover ?? volumeMoverDeps)(location, cluster),
  });
  if ('skipped' in outcome) {
    deps.log.info(outcome.skipped, { backup: req.continueBackup });
    return { backup: req.continueBackup, skipped: outcome.skipped };
  }
  return respond(outcome, { cluster: req.cluster, storageLocation: location.name, location: req.location, continuation: req.continuation }, deps);
}

/** Maps an outcome: Failed fails the invocation; a handed-over backup is continued by a fresh invocation. */
async function respond(outcome: BackupOutcome, where: { cluster: string; storageLocation: string; location: string | undefined; continuation: number },
  deps: BackupHandlerDeps): Promise<BackupResponse> {
  if (outcome.phase === 'Failed') {
    throw new BackupFailedError(`backup ${outcome.name} Failed: ${outcome.failureReason ?? 'see its results'}`, { cause: outcome.failure });
  }
  let continues: boolean | undefined;
  if (outcome.phase === 'WaitingForPluginOperations') {
    continues = deps.continueLater !== undefined && where.continuation + 1 < (deps.maxInvocations ?? 20);
    if (continues) {
      await deps.continueLater!({ continueBackup: outcome.name, cluster: where.cluster, continuation: where.continuation + 1, ...(where.location ? { location: where.location } : {}) });
    } else {
      deps.log.warn(`backup ${outcome.name} still has ${outcome.pendingVolumes ?? 0} volume move(s) running and will not be continued `
        + '(no continuation, or the most invocations allowed): it will be recorded Failed once its deadline passes', { backup: outcome.name });
    }
  }
  return {
    backup: outcome.name, phase: outcome.phase, cluster: where.cluster, storageLocation: where.storageLocation,
    itemsBackedUp: outcome.itemsBackedUp, totalItems: outcome.totalItems, byResource: outcome.byResource, warnings: outcome.warnings, errors: outcome.errors,
    bytes: Object.values(outcome.files).reduce((n, f) => n + f.size, 0),
    startedAt: outcome.startedAt.toISOString(), completedAt: outcome.completedAt.toISOString(), expiresAt: outcome.expiresAt.toISOString(),
    ...(outcome.manifestKey ? { manifestKey: outcome.manifestKey } : {}),
    ...(outcome.pendingVolumes !== undefined ? { pendingVolumes: outcome.pendingVolumes } : {}), ...(continues !== undefined ? { continues } : {}),
  };
}

/** Builds the handler over a runtime (the process's by default). */
export function createBackupHandler(runtime?: Runtime, continueLater?: ContinueLater, env: Record<string, string | undefined> = process.env) {
  const maxInvocations = readMaxInvocations(env, 'FERRY_BACKUP_MAX_INVOCATIONS', 'backup');
  return ferryHandler({
    name: 'backup', what: WHAT, parse: parseBackupEvent, measure: backupMeasure, ...(runtime ? { runtime } : {}),
    clusters: (req, rt) => [requestCluster(req, rt.config)],
  }, (req, rt, context) => backupHandlerCore(req, { ...rt, continueLater: continueLater ?? lambdaContinuation(context.functionName), maxInvocations }, context));
}

/** The Lambda entry point. */
export const handler = createBackupHandler();
