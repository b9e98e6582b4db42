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

/** Looks up, once per namespace, which namespaces the restore needs that the target does not have. */
export async function planNamespaces(cluster: Cluster, objects: Iterable<Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>>): Promise<NamespacePlan> {
  const wanted = new Set<string>();
  const brought = new Set<string>();
  for (const o of objects) {
    if (o.kind === 'Namespace' && o.apiVersion === 'v1' && o.metadata.name) {
      brought.add(o.metadata.name);
      wanted.add(o.metadata.name);
    } else if (o.metadata.namespace) {
      wanted.add(o.metadata.namespace);
    }
  }
  const missing = new Set<string>();
  await runPool([...wanted].sort(), 8, async (ns) => {
    if (!(await cluster.read('v1', 'Namespace', ns))) missing.add(ns);
  });
  return { missing, brought };
}

/** Creates a namespace the restore needs but does not bring, with the restore's labels; an existing one is fine. */
export async function createNamespace(cluster: Cluster, name: string, labels: Record<string, string>): Promise<void> {
  try {
    await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels } } });
  } catch (err) {
    if (!(err instanceof AlreadyExists)) throw err;
  }
}
