/**
 * The `backup` function: invoked with a spec (`{spec, cluster?}`), or by a schedule (an EventBridge Scheduled
 * Event whose `detail` carries the BackupSchedule, or a scheduler's input `{schedule, time?, cluster?}`). It takes
 * one backup into the spec's storage location and answers with its outcome; a Failed backup fails the invocation
 * (serverless.yml turns Lambda's retries off: a retry of a taken name can only be refused). The run ends, Failed,
 * BACKUP_RESERVE_MS before the function's time is up.
 */
import { BackupFailedError } from '../lib/backup/errors.js';
import { backupForDocument, chooseSourceCluster } from '../lib/backup/request.js';
import { runBackup } from '../lib/backup/run-backup.js';
import type { BackupOutcome } from '../lib/backup/types.js';
import type { OpenedLocation } from '../lib/compose.js';
import type { Cluster } from '../lib/kube/cluster.js';
import { isRecord } from '../lib/model/object.js';
import { parseBackupDocument, parseBackupDocumentText, type BackupDocument } from '../lib/spec/backup-spec.js';
import type { FerryConfig } from '../lib/spec/config.js';
import { ProblemCollector, SpecError } from '../lib/spec/problems.js';
import type { Logger, Runtime } from './compose.js';
import { backupMeasure } from './metrics.js';
import { ferryHandler, type InvocationContext } from './middleware/index.js';

/**
 * Time kept back from the function's limit: at the deadline the run aborts its upload and records Failed in the
 * bucket, which must be done before Lambda stops the process.
 */
export const BACKUP_RESERVE_MS = 30_000;
import { volumeMoverDeps } from '../lib/volumes/open-mover.js';

/** A validated backup request. */
export interface BackupRequest {
  document: BackupDocument;
  /** The cluster the event names, if it names one. */
  cluster?: string;
  /** When the schedule fired (names the backup); the clock's time when absent. */
  time?: Date;
}

/** What the core needs: the runtime's config, stores, clusters, clock and log. */
export type BackupHandlerDeps = Pick<Runtime, 'config' | 'clock'> & {
  openStore(name?: string): OpenedLocation;
  openCluster(name: string): Promise<Cluster>;
  log: Pick<Logger, 'info' | 'warn'>;
};

/** The function's answer. */
export type BackupResponse =
  | { skipped: 'paused'; schedule: string }
  | {
    backup: string; phase: BackupOutcome['phase']; cluster: string; storageLocation: string; itemsBackedUp: number;
    byResource: Record<string, number>; warnings: number; errors: number; startedAt: string; completedAt: string;
    /** Bytes of the files the backup wrote. */
    bytes: number;
    expiresAt: string; manifestKey?: string;
  };

const WHAT = 'backup request';

/** Validates an event: `{spec}`, `{schedule, time?}` or an EventBridge Scheduled Event with `detail.schedule`. */
export function parseBackupEvent(event: Record<string, unknown>): BackupRequest {
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

/** The cluster a request backs up. */
export function requestCluster(req: BackupRequest, config: FerryConfig): string {
  const template = req.document.type === 'backup' ? req.document.backup : req.document.schedule.template;
  return chooseSourceCluster(config, template, req.cluster);
}

/** The core: resolves the backup (a schedule's is named by its firing time), runs it and maps the outcome. */
export async function backupHandlerCore(req: BackupRequest, deps: BackupHandlerDeps, context: InvocationContext = {}): Promise<BackupResponse> {
  const resolved = backupForDocument(req.document, req.time ?? deps.clock());
  if ('paused' in resolved) {
    deps.log.info(`schedule ${resolved.paused} is paused: no backup taken`);
    return { skipped: 'paused', schedule: resolved.paused };
  }
  const spec = resolved.backup;
  const clusterName = requestCluster(req, deps.config);
  const location = deps.openStore(spec.storageLocation);
  const cluster = await deps.openCluster(clusterName);
  const remaining = context.getRemainingTimeInMillis?.();
  const outcome = await runBackup(spec, {
    store: location.store, layout: location.layout, cluster, clock: deps.clock, storageLocation: location.name, sourceCluster: clusterName, log: deps.log,
    ...(remaining !== undefined ? { deadline: new Date(deps.clock().getTime() + Math.max(0, remaining - BACKUP_RESERVE_MS)) } : {}),
    ...volumeMoverDeps(location, cluster),
  });
  if (outcome.phase === 'Failed') {
    throw new BackupFailedError(`backup ${spec.name} Failed: ${outcome.failureReason ?? 'see its results'}`, { cause: outcome.failure });
  }
  return {
    backup: outcome.name, phase: outcome.phase, cluster: clusterName, storageLocation: location.name,
    itemsBackedUp: outcome.itemsBackedUp, byResource: outcome.byResource, warnings: outcome.warnings, errors: outcome.errors,
    bytes: Object.values(outcome.files).reduce((n, f) => n + f.size, 0),
    startedAt: outcome.startedAt.toISOString(), completedAt: outcome.completedAt.toISOString(), expiresAt: outcome.expiresAt.toISOString(),
    ...(outcome.manifestKey ? { manifestKey: outcome.manifestKey } : {}),
  };
}

/** Builds the handler over a runtime (the process's by default). */
export function createBackupHandler(runtime?: Runtime) {
  return ferryHandler({
    name: 'backup', what: WHAT, parse: parseBackupEvent, measure: backupMeasure, ...(runtime ? { runtime } : {}),
    clusters: (req, rt) => [requestCluster(req, rt.config)],
  }, (req, rt, context) => backupHandlerCore(req, rt, context));
}

/** The Lambda entry point. */
export const handler = createBackupHandler();
