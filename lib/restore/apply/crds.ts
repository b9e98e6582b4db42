import type { Cluster } from '../../kube/cluster.js';
import { isRecord, type KubeObject } from '../../model/object.js';

/** Waiting for CRDs: how often to look and for how long. */
export interface CrdWaitOptions {
  timeoutMs: number;
  intervalMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

/** True when a CRD's status says Established=True. */
export function isEstablished(crd: KubeObject | undefined): boolean {
  const conditions = isRecord(crd?.status) ? (crd.status as { conditions?: unknown }).conditions : undefined;
  return Array.isArray(conditions) && conditions.some((c) => isRecord(c) && c.type === 'Established' && c.status === 'True');
}

/**
 * Waits until every named CRD is Established, then refreshes discovery so their resources can be written.
 * Returns the names that were not Established in time (their custom resources will fail with that reason).
 */
export async function waitForCrds(cluster: Cluster, names: readonly string[], options: CrdWaitOptions): Promise<string[]> {
  const waiting = new Set(names);
  const deadline = options.now() + options.timeoutMs;
  while (waiting.size > 0) {
    for (const name of [...waiting]) {
      const crd = await cluster.read('apiextensions.k8s.io/v1', 'CustomResourceDefinition', name);
      if (isEstablished(crd)) waiting.delete(name);
    }
    if (waiting.size === 0 || options.now() >= deadline) break;
    await options.sleep(options.intervalMs);
  }
  if (names.length > 0) await cluster.discover({ refresh: true });
  return [...waiting];
}
