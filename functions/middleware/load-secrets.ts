import type { MiddlewareObj } from '@middy/core';
import { clusterUsedBy, type ClusterFunction } from '../../lib/spec/config.js';
import type { Runtime } from '../compose.js';

/** The event names a cluster whose `usedBy` leaves this function out: its credentials are not this function's. */
export class ClusterNotForFunctionError extends Error {
  override name = 'ClusterNotForFunctionError';
  constructor(readonly cluster: string, readonly fn: string, readonly usedBy: readonly string[]) {
    super(`cluster "${cluster}" is not for the ${fn} function: ferry.yaml says usedBy: [${usedBy.join(', ')}]`);
  }
}

/** Options of loadSecrets. */
export interface LoadSecretsOptions<T> {
  runtime: Runtime;
  /** The clusters this event needs (the backup's source, the restore's target). */
  clusters: (event: T, runtime: Runtime) => string[];
  /** The function: a cluster whose `usedBy` does not name it is refused. */
  fn?: string;
}

/**
 * Resolves the credentials of every cluster the event needs before the handler runs: a kubeconfig read from
 * Secrets Manager, an EKS endpoint and token. A missing secret or a denied DescribeCluster fails here, with the
 * cluster's name, before anything is read or written; warm invocations reuse what the cold start loaded. A cluster
 * whose `usedBy` leaves the function out is refused first (its role may not read those credentials anyway).
 */
export function loadSecrets<T>(options: LoadSecretsOptions<T>): MiddlewareObj<unknown, unknown> {
  const loadSecretsBefore = async (request: { event: unknown }): Promise<void> => {
    const names = [...new Set(options.clusters(request.event as T, options.runtime))];
    for (const name of names) {
      const cluster = options.runtime.config.clusters[name];
      if (cluster?.usedBy && options.fn && !clusterUsedBy(cluster, options.fn as ClusterFunction)) throw new ClusterNotForFunctionError(name, options.fn, cluster.usedBy);
    }
    await Promise.all(names.map((name) => options.runtime.openCluster(name)));
  };
  return { name: 'loadSecrets', before: loadSecretsBefore };
}
