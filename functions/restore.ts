/**
 * The `restore` function: invoked (on demand or by automation) with an ApplicationRestore or Velero Restore,
 * it restores the named backup into the target cluster. A restore that runs short of invocation time
 * checkpoints to the bucket and invokes the function again, asynchronously, to continue.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { RestoreResult } from '../lib/restore/result.js';
import { runRestore } from '../lib/restore/run-restore.js';
import { volumeMoverDeps } from '../lib/volumes/open-mover.js';
import { parseRestoreSpec, parseRestoreSpecText, type RestoreSpec } from '../lib/spec/restore-spec.js';
import type { Runtime } from './compose.js';
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
  const continuation = typeof event.continuation === 'number' && Number.isInteger(event.continuation) ? event.continuation : 0;
  return {
    spec, targetCluster, dryRun: event.dryRun === true || spec.dryRun, continuation, raw: event,
    ...(typeof event.location === 'string' ? { location: event.location } : {}),
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
}

/** The core: one invocation of a restore; it continues itself while it is InProgress. */
export async function restoreHandlerCore(event: RestoreEvent, runtime: Runtime, context: InvocationContext, deps: RestoreHandlerDeps): Promise<RestoreResult> {
  const location = runtime.openStore(event.location);
  const cluster = await runtime.openCluster(event.targetCluster);
  const result = await (deps.run ?? runRestore)({ name: event.spec.name, spec: event.spec, dryRun: event.dryRun, targetCluster: event.targetCluster }, {
    store: location.store, layout: location.layout, location: location.name, cluster, now: runtime.clock, log: runtime.log, ...volumeMoverDeps(location, cluster),
    ...(context.getRemainingTimeInMillis ? { remainingMs: context.getRemainingTimeInMillis } : {}),
  });
  if (result.phase === 'InProgress') {
    if (event.continuation + 1 >= deps.maxInvocations) {
      runtime.log.warn('restore is still in progress after the most invocations allowed; run it again to continue', { restore: event.spec.name });
    } else {
      await deps.continueLater({ ...event.raw, continuation: event.continuation + 1 });
    }
  }
  return result;
}

/** Re-invokes this function asynchronously through the Lambda API (FERRY_LAMBDA_ENDPOINT for a local one). */
export function lambdaContinuation(functionName: string | undefined, env: Record<string, string | undefined> = process.env): RestoreHandlerDeps['continueLater'] {
  let client: LambdaClient | undefined;
  return async (event) => {
    if (!functionName) throw new Error('cannot continue the restore: the invocation has no function name');
    client ??= new LambdaClient(env.FERRY_LAMBDA_ENDPOINT ? { endpoint: env.FERRY_LAMBDA_ENDPOINT } : {});
    await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(event)) }));
  };
}

/** Builds the handler over a runtime (the process's by default). */
export function createRestoreHandler(runtime?: Runtime, continueLater?: RestoreHandlerDeps['continueLater']) {
  return ferryHandler({ name: 'restore', what: 'restore request', parse: parseRestoreEvent, clusters: (e) => [e.targetCluster], measure: restoreMeasure, ...(runtime ? { runtime } : {}) },
    (event, rt, context) => restoreHandlerCore(event, rt, context, {
      continueLater: continueLater ?? lambdaContinuation(context.functionName),
      maxInvocations: Number(process.env.FERRY_RESTORE_MAX_INVOCATIONS ?? 20),
    }));
}

/** The Lambda entry point. */
export const handler = createRestoreHandler();

