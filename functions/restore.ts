/**
 * The `restore` function: invoked (on demand or by automation) with an ApplicationRestore or Velero Restore,
 * it restores the named backup into the target cluster. A restore that runs short of invocation time
 * checkpoints to the bucket and invokes the function again, asynchronously, to continue.
 */
import { randomUUID } from 'node:crypto';
import type { RestoreResult } from '../lib/restore/result.js';
import { RestoreRunningError, runRestore } from '../lib/restore/run-restore.js';
import { volumeMoverDeps } from '../lib/volumes/open-mover.js';
import { parseRestoreSpec, parseRestoreSpecText, type RestoreSpec } from '../lib/spec/restore-spec.js';
import type { Runtime } from './compose.js';
import { lambdaContinuation, readMaxInvocations } from './continuation.js';
import { restoreMeasure } from './metrics.js';
import { ferryHandler, type InvocationContext } from './middleware/index.js';

/** A parsed restore invocation. */
export interface RestoreEvent {
  spec: RestoreSpec;
  dryRun: boolean;
  targetCluster: string;
  /** The storage location holding the backup; the config's default when absent. */
  location?: string;
  /** How many invocations came before this one (0 for the first). */
  continuation: number;
  /** The token the previous invocation handed the restore's claim to (continuations only). */
  claimToken?: string;
  /** The event as received, re-sent unchanged (but for `continuation`) to continue. */
  raw: Record<string, unknown>;
}

/**
 * Accepts `{spec: <restore object or its YAML/JSON text>, cluster?, dryRun?, location?}` (as the backup
 * function takes `{spec, cluster}`), or a bare ApplicationRestore / Velero Restore object. `cluster` names the
 * target, else spec.targetCluster. Throws SpecError with every problem of the spec.
 */
export function parseRestoreEvent(event: Record<string, unknown>): RestoreEvent {
  const bare = typeof event.kind === 'string';
  const doc = bare ? event : event.spec;
  if (doc === undefined) throw new Error('expected {spec: <ApplicationRestore or Velero Restore>, cluster: <target>} or the restore object itself');
  const spec = typeof doc === 'string' ? parseRestoreSpecText(doc, 'event.spec') : parseRestoreSpec(doc, bare ? 'event' : 'event.spec');
  if (!bare && event.cluster !== undefined && typeof event.cluster !== 'string') throw new Error('event.cluster must be a cluster name');
  const targetCluster = !bare && typeof event.cluster === 'string' ? event.cluster : spec.targetCluster;
  if (!targetCluster) throw new Error('name the target cluster: event.cluster or spec.targetCluster');
  if (event.dryRun !== undefined && typeof event.dryRun !== 'boolean') throw new Error(`event.dryRun must be true or false, got ${JSON.stringify(event.dryRun)}`);
  if (event.location !== undefined && typeof event.location !== 'string') throw new Error('event.location must be a storage location name');
  const continuation = event.continuation ?? 0;
  if (!Number.isSafeInteger(continuation) || (continuation as number) < 0) {
    throw new Error(`event.continuation must be a whole number of at least 0 (invocations before this one), got ${JSON.stringify(event.continuation)}`);
  }
  const token = event.claimToken;
  if (token !== undefined && (typeof token !== 'string' || !/^[\w-]{1,100}$/.test(token))) {
    throw new Error(`event.claimToken must be the token a restore handed its continuation, got ${JSON.stringify(token)?.slice(0, 120)}`);
  }
  return {
    spec, targetCluster, dryRun: event.dryRun === true || spec.dryRun, continuation: continuation as number, raw: event,
    ...(typeof event.location === 'string' ? { location: event.location } : {}), ...(token ? { claimToken: token } : {}),
  };
}

/** What the core needs besides the runtime. */
export interface RestoreHandlerDeps {
  /** Starts a fresh invocation with this event (the restore continues from its checkpoint). */
  continueLater(event: Record<string, unknown>): Promise<void>;
  /** Most invocations one restore may take before it stops re-invoking itself. */
  maxInvocations: number;
  /** The restore service (tests pass a recording one). */
  run?: typeof runRestore;
  /** A fresh token to hand the claim to a continuation (a random UUID by default). */
  newToken?: () => string;
}

/** What an invocation answers when another invocation of the same restore holds its claim: it did nothing. */
export interface RestoreRunning {
  restore: string;
  running: true;
  message: string;
}

/**
 * What the function answers for a restore that ran: its result without the per-object lists, which are stored
 * at `resultKey` (a large restore's lists would pass Lambda's 6 MB response limit).
 */
export type RestoreResponse = Omit<RestoreResult, 'items' | 'skippedByTransform'> & { resultKey: string };

/** The restore function's settings from the environment, checked once (at cold start). */
export interface RestoreSettings {
  maxInvocations: number;
}

/** Reads FERRY_RESTORE_MAX_INVOCATIONS (default 20, 1 to 1000); throws an error naming the variable and its value. */
export function readRestoreSettings(env: Record<string, string | undefined>): RestoreSettings {
  return { maxInvocations: readMaxInvocations(env, 'FERRY_RESTORE_MAX_INVOCATIONS', 'restore') };
}

/** The core: one invocation of a restore; it continues itself while it is InProgress. */
export async function restoreHandlerCore(event: RestoreEvent, runtime: Runtime, context: InvocationContext,
  deps: RestoreHandlerDeps): Promise<RestoreResponse | RestoreRunning> {
  const location = runtime.openStore(event.location);
  const cluster = await runtime.openCluster(event.targetCluster);
  const continues = event.continuation + 1 < deps.maxInvocations;
  const token = continues ? (deps.newToken ?? randomUUID)() : undefined;
  let result: RestoreResult;
  try {
    result = await (deps.run ?? runRestore)({
      name: event.spec.name, spec: event.spec, dryRun: event.dryRun, targetCluster: event.targetCluster,
      ...(event.claimToken ? { claimToken: event.claimToken } : {}), ...(token ? { continuationToken: token } : {}),
    }, {
      store: location.store, layout: location.layout, location: location.name, cluster, now: runtime.clock, log: runtime.log, ...volumeMoverDeps(location, cluster),
      ...(context.getRemainingTimeInMillis ? { remainingMs: context.getRemainingTimeInMillis } : {}),
    });
  } catch (err) {
    // Not an error to retry: the invocation holding the claim finishes the restore.
    if (!(err instanceof RestoreRunningError)) throw err;
    runtime.log.info(err.message, { restore: event.spec.name });
    return { restore: event.spec.name, running: true, message: err.message };
  }
  if (result.phase === 'InProgress') {
    if (!token) {
      runtime.log.warn('restore is still in progress after the most invocations allowed; run it again to continue', { restore: event.spec.name });
    } else {
      await deps.continueLater({ ...event.raw, continuation: event.continuation + 1, claimToken: token });
    }
  }
  const { items: _items, skippedByTransform: _skipped, ...summary } = result;
  return { ...summary, resultKey: location.layout.restoreKey(event.spec.name, 'result', { dryRun: event.dryRun }) };
}

/** Builds the handler over a runtime (the process's by default). */
export function createRestoreHandler(runtime?: Runtime, continueLater?: RestoreHandlerDeps['continueLater'], env: Record<string, string | undefined> = process.env) {
  const settings = readRestoreSettings(env);
  return ferryHandler({ name: 'restore', what: 'restore request', parse: parseRestoreEvent, clusters: (e) => [e.targetCluster], measure: restoreMeasure, ...(runtime ? { runtime } : {}) },
    (event, rt, context) => restoreHandlerCore(event, rt, context, {
      continueLater: continueLater ?? lambdaContinuation(context.functionName),
      maxInvocations: settings.maxInvocations,
    }));
}

/** The Lambda entry point. */
export const handler = createRestoreHandler();

