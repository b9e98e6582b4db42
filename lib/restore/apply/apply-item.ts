import type { KubeObject } from '../../model/object.js';
import type { Cluster } from '../../kube/cluster.js';
import { AlreadyExists, ClusterError, NotFound } from '../../kube/errors.js';
import { RESTORE_NAME_LABEL } from '../stages/restore-labels.js';
import { firstDifference, updatePatch } from './compare.js';
import { dryRunCreate } from './dry-run.js';
import { outcomeFor, type ItemOutcome } from './outcome.js';

/** How existing objects are treated: Velero's existingResourcePolicy. */
export type ExistingResourcePolicy = 'none' | 'update';

/** Options of one apply. */
export interface ApplyOptions {
  policy: ExistingResourcePolicy;
  dryRun: boolean;
  fieldManager?: string;
  /**
   * In a dry run, a namespace the restore would create does not exist yet, and the server refuses objects
   * in it. Such objects are validated in this namespace instead (it must exist: `default` always does).
   */
  dryRunStandInNamespace?: string;
  /** Namespaces that do not exist on the target (only consulted in a dry run). */
  missingNamespaces?: ReadonlySet<string>;
  /** ServiceAccounts (`namespace/name`) this dry run has validated (see dry-run.ts). */
  dryRunServiceAccounts?: ReadonlySet<string>;
}

/**
 * Creates one object, or handles it as the policy says when it exists:
 * `none` leaves it (a warning when it differs), `update` patches it to match (a no-op when it already does).
 * The API server's refusals become a `failed` outcome with its message; other errors (bugs) are thrown as they are.
 */
export async function applyItem(cluster: Cluster, obj: KubeObject, options: ApplyOptions): Promise<ItemOutcome> {
  const write = { dryRun: options.dryRun, fieldManager: options.fieldManager ?? 'ferry' };
  const ns = obj.metadata.namespace;
  try {
    if (options.dryRun) {
      const note = await dryRunCreate(cluster, obj, write, {
        missingNamespaces: options.missingNamespaces, standInNamespace: options.dryRunStandInNamespace, serviceAccounts: options.dryRunServiceAccounts,
      });
      return note ? outcomeFor(obj, 'created', note, true) : outcomeFor(obj, 'created');
    }
    await cluster.create(obj, write);
    return outcomeFor(obj, 'created');
  } catch (err) {
    if (!(err instanceof AlreadyExists)) return failed(obj, err);
  }
  try {
    const live = await cluster.read(obj.apiVersion, obj.kind, obj.metadata.name ?? '', ns);
    if (!live) return failed(obj, new NotFound('the object existed a moment ago and is gone now', 404));
    if (writtenByThisRestore(obj, live)) return outcomeFor(obj, 'created', WRITTEN_EARLIER);
    const diff = firstDifference(obj, live);
    if (diff === undefined) return outcomeFor(obj, 'unchanged');
    if (options.policy === 'none') {
      return outcomeFor(obj, 'skipped', `already exists and differs from the backup at ${diff}; existingResourcePolicy none leaves it`, true);
    }
    await cluster.patch(obj, updatePatch(obj), 'merge', write);
    return outcomeFor(obj, 'updated', `differed at ${diff}`);
  } catch (err) {
    return failed(obj, err);
  }
}

const WRITTEN_EARLIER = 'created by an earlier attempt of this restore (a create the server wrote but answered with a 5xx, '
  + 'then retried; or an invocation that stopped before it recorded the object)';

/**
 * Whether the live object carries this restore's own name label: restore names are claimed once, so only this
 * restore wrote it. Without this, a create retried after a 5xx whose write had landed would be "skipped".
 */
function writtenByThisRestore(obj: KubeObject, live: KubeObject): boolean {
  const mine = obj.metadata.labels?.[RESTORE_NAME_LABEL];
  return mine !== undefined && live.metadata.labels?.[RESTORE_NAME_LABEL] === mine;
}

/** The API server's refusal of the object as its `failed` outcome; anything else is a bug and is rethrown as it is. */
function failed(obj: KubeObject, err: unknown): ItemOutcome {
  if (!(err instanceof ClusterError)) throw err;
  return outcomeFor(obj, 'failed', err.message);
}
