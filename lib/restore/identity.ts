/**
 * A restore's identity: its name, the backup it restores and the cluster it restores into. The first run of a
 * restore records it (`restores/<name>/ferry-identity.json`, created only if absent); every later run of the same
 * name must match it, so a stored result or a checkpoint is only ever used for the restore it belongs to. Running
 * the name against another cluster or from another backup is refused, saying where it ran.
 */
import { NotFoundError, PreconditionFailedError } from '../store/errors.js';
import type { BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';

/** What makes two runs of a restore the same restore. */
export interface RestoreIdentity {
  restore: string;
  backup: string;
  /** The target cluster's name in Ferry's config; `(unnamed)` when the caller gave none. */
  targetCluster: string;
  /** When the identity was first recorded. */
  recordedAt?: string;
  /** True when the run that recorded it was a dry run. */
  dryRun?: boolean;
}

/** The same restore name was used for another target or backup. */
export class RestoreIdentityError extends Error {
  override name = 'RestoreIdentityError';
  constructor(readonly recorded: RestoreIdentity, readonly requested: RestoreIdentity, options?: { cause?: unknown }) {
    const where = `backup ${recorded.backup} into cluster ${recorded.targetCluster}`;
    const asked = recorded.targetCluster !== requested.targetCluster
      ? `cluster ${requested.targetCluster}` : `backup ${requested.backup}`;
    super(`restore ${recorded.restore} already ran from ${where}${recorded.dryRun ? ' (a dry run)' : ''}`
      + `${recorded.recordedAt ? ` at ${recorded.recordedAt}` : ''}; it is not run again against ${asked}. `
      + 'Give the new restore another name (metadata.name, or --name with `ferry restore`).', options);
  }
}

const UNNAMED = '(unnamed)';

/** The identity of a request. */
export function identityOf(request: { name: string; backup: string; targetCluster?: string }): RestoreIdentity {
  return { restore: request.name, backup: request.backup, targetCluster: request.targetCluster ?? UNNAMED };
}

/** True when two identities are the same restore. */
export function sameRestore(a: RestoreIdentity, b: RestoreIdentity): boolean {
  return a.restore === b.restore && a.backup === b.backup && a.targetCluster === b.targetCluster;
}

/** Parses a stored identity; undefined when the object is not one. */
export function parseIdentity(bytes: Uint8Array): RestoreIdentity | undefined {
  try {
    const v = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<RestoreIdentity>;
    if (typeof v.restore === 'string' && typeof v.backup === 'string' && typeof v.targetCluster === 'string') return v as RestoreIdentity;
  } catch {
    // not JSON: treated as no identity, and replaced below only if nothing else was stored
  }
  return undefined;
}

/** Reads the identity recorded for `name`, or what an older restore's stored result says of it. */
export async function readIdentity(store: ObjectStore, layout: BucketLayout, name: string): Promise<RestoreIdentity | undefined> {
  const identity = await getBytesOrUndefined(store, layout.restoreKey(name, 'identity'));
  if (identity) return parseIdentity(identity);
  // Restores stored before identities were recorded: their result names the backup and (when known) the target.
  const result = await getBytesOrUndefined(store, layout.restoreKey(name, 'result'));
  if (!result) return undefined;
  const stored = parseIdentity(result) ?? parseIdentity(Buffer.from(JSON.stringify({ ...asRecord(result), restore: name, targetCluster: UNNAMED })));
  return stored && { restore: name, backup: stored.backup, targetCluster: stored.targetCluster, ...(stored.dryRun !== undefined ? { dryRun: stored.dryRun } : {}) };
}

/**
 * Refuses a run whose identity differs from the recorded one (RestoreIdentityError), and records the identity of a
 * first run unless `record` is false (a check before the restore is known to go ahead). Two first runs at once: one
 * records, the other reads what it recorded and is judged against it.
 */
export async function claimRestoreIdentity(
  store: ObjectStore, layout: BucketLayout, request: { name: string; backup: string; targetCluster?: string; dryRun: boolean },
  now: () => Date, options: { record?: boolean } = {},
): Promise<RestoreIdentity | undefined> {
  const wanted = identityOf(request);
  for (let attempt = 0; attempt < 2; attempt++) {
    const recorded = await readIdentity(store, layout, request.name);
    if (recorded) {
      if (!sameRestore(recorded, wanted)) throw new RestoreIdentityError(recorded, wanted);
      return recorded;
    }
    if (options.record === false) return undefined;
    const record: RestoreIdentity = { ...wanted, recordedAt: now().toISOString(), dryRun: request.dryRun };
    try {
      await store.put(layout.restoreKey(request.name, 'identity'), `${JSON.stringify(record, null, 2)}\n`, { contentType: 'application/json', ifNoneMatch: '*' });
      return record;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
    }
  }
  throw new Error(`restore ${request.name}: its identity could not be recorded or read`);
}

function asRecord(bytes: Uint8Array): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return typeof v === 'object' && v !== null ? v as Record<string, unknown> : {};
  } catch {
    return {};
  }
}

async function getBytesOrUndefined(store: ObjectStore, key: string): Promise<Uint8Array | undefined> {
  try {
    return (await store.getBytes(key)).bytes;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}
