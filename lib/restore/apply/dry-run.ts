/**
 * A dry run writes nothing, so the server validates each object without what the real run would have written
 * before it: the namespaces the restore creates, and the ServiceAccounts it restores. Where that alone would make
 * the server refuse an object, it is validated the nearest way the real run's outcome allows, and says so:
 * - an object of a namespace that does not exist yet is validated in a stand-in namespace that does (`default`);
 * - a Pod whose ServiceAccount this dry run restores (the server looks it up and finds none) is validated with
 *   the namespace's `default` ServiceAccount.
 */
import type { Cluster } from '../../kube/cluster.js';
import { AlreadyExists, ClusterError } from '../../kube/errors.js';
import type { KubeObject } from '../../model/object.js';
import { asRecord, asString } from '../json-access.js';

/** What a dry run knows of what the real run would have written by an object's turn. */
export interface DryRunContext {
  /** Namespaces the restore writes into that do not exist on the target. */
  missingNamespaces?: ReadonlySet<string>;
  /** The namespace objects of missing namespaces are validated in (it must exist: `default` always does). */
  standInNamespace?: string;
  /** ServiceAccounts (`namespace/name`) this dry run has validated: the real run would have created them by now. */
  serviceAccounts?: ReadonlySet<string>;
}

/** Key of a ServiceAccount in DryRunContext.serviceAccounts. */
export function serviceAccountKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * Creates `obj` with server-side dry run. Returns how the validation differed from the real run's create (a
 * warning for the outcome), or undefined when the object was validated as it is. Throws what `create` throws.
 */
export async function dryRunCreate(cluster: Cluster, obj: KubeObject, write: { dryRun: boolean; fieldManager: string }, context: DryRunContext): Promise<string | undefined> {
  const ns = obj.metadata.namespace;
  const standIn = ns && context.missingNamespaces?.has(ns) ? context.standInNamespace ?? 'default' : undefined;
  const notes = standIn ? [`namespace ${ns} does not exist yet, so the server validated the object in namespace ${standIn}`] : [];
  const create = (o: KubeObject) => (standIn ? validateInStandIn(cluster, o, standIn, write) : cluster.create(o, write));
  try {
    await create(obj);
  } catch (err) {
    const account = ns ? restoredServiceAccountRefused(obj, err, context) : undefined;
    if (!account) throw err;
    await create(withServiceAccount(obj, 'default'));
    notes.push(`its ServiceAccount ${account} is restored by this run but not written in a dry run, so the server validated the pod with ServiceAccount default`);
  }
  return notes.length ? `dry run: ${notes.join('; ')}` : undefined;
}

/**
 * Validates an object of a namespace that does not exist yet in the stand-in namespace. An object of the same name
 * may live there (every namespace has a `default` ServiceAccount): that says nothing about the real namespace, so
 * the object is then validated under a generated name.
 */
async function validateInStandIn(cluster: Cluster, obj: KubeObject, standIn: string, write: { dryRun: boolean; fieldManager: string }): Promise<void> {
  try {
    await cluster.create({ ...obj, metadata: { ...obj.metadata, namespace: standIn } }, write);
  } catch (err) {
    if (!(err instanceof AlreadyExists)) throw err;
    const { name, ...metadata } = obj.metadata;
    await cluster.create({ ...obj, metadata: { ...metadata, namespace: standIn, generateName: `${name ?? 'ferry'}-` } }, write);
  }
}

/** The pod's ServiceAccount when the server refused the pod for want of it and this dry run restores it. */
function restoredServiceAccountRefused(obj: KubeObject, err: unknown, context: DryRunContext): string | undefined {
  if (obj.apiVersion !== 'v1' || obj.kind !== 'Pod' || !(err instanceof ClusterError) || err.status !== 403) return undefined;
  const spec = asRecord(obj.spec);
  const account = asString(spec?.serviceAccountName) ?? asString(spec?.serviceAccount);
  if (!account || account === 'default' || !context.serviceAccounts?.has(serviceAccountKey(obj.metadata.namespace!, account))) return undefined;
  // The ServiceAccount admission plugin's refusal: `error looking up service account NS/NAME: serviceaccount "NAME" not found`.
  return err.message.includes(`serviceaccount "${account}" not found`) ? account : undefined;
}

function withServiceAccount(obj: KubeObject, account: string): KubeObject {
  const { serviceAccount: _deprecated, ...spec } = asRecord(obj.spec) ?? {};
  return { ...obj, spec: { ...spec, serviceAccountName: account } };
}
