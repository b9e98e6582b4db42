import type { Cluster } from '../../kube/cluster.js';
import { AlreadyExists } from '../../kube/errors.js';
import type { KubeObject } from '../../model/object.js';
import { runPool } from '../../pool.js';

/** The namespaces a restore writes into that the target lacks, and which of them the restore brings itself. */
export interface NamespacePlan {
  /** Referenced by namespaced objects (or brought as Namespace objects) and absent from the target. */
  missing: Set<string>;
  /** Namespace objects the restore applies itself (in the namespaces priority group). */
  brought: Set<string>;
}

/** The namespaces objects are in (`wanted`), and the Namespace objects among them (`brought`). */
export interface NamespaceUse {
  wanted: Set<string>;
  brought: Set<string>;
}

/** Records the namespace use of one object into `use`. */
export function addNamespaceUse(use: NamespaceUse, o: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): void {
  if (o.kind === 'Namespace' && o.apiVersion === 'v1' && o.metadata.name) {
    use.brought.add(o.metadata.name);
    use.wanted.add(o.metadata.name);
  } else if (o.metadata.namespace) {
    use.wanted.add(o.metadata.namespace);
  }
}

/** The namespace use of some objects. */
export function namespaceUseOf(objects: Iterable<Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>>): NamespaceUse {
  const use: NamespaceUse = { wanted: new Set(), brought: new Set() };
  for (const o of objects) addNamespaceUse(use, o);
  return use;
}

/** Looks up, once per namespace, which namespaces the restore needs that the target does not have. */
export async function planNamespaces(cluster: Cluster, use: NamespaceUse): Promise<NamespacePlan> {
  const missing = new Set<string>();
  await runPool([...use.wanted].sort(), 8, async (ns) => {
    if (!(await cluster.read('v1', 'Namespace', ns))) missing.add(ns);
  });
  return { missing, brought: use.brought };
}

/** Creates a namespace the restore needs but does not bring, with the restore's labels; an existing one is fine. */
export async function createNamespace(cluster: Cluster, name: string, labels: Record<string, string>): Promise<void> {
  try {
    await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels } } });
  } catch (err) {
    if (!(err instanceof AlreadyExists)) throw err;
  }
}
