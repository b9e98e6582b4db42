import type { MiddlewareObj } from '@middy/core';
import type { Runtime } from '../compose.js';

/** Options of loadSecrets. */
export interface LoadSecretsOptions<T> {
  runtime: Runtime;
  /** The clusters this event needs (the backup's source, the restore's target). */
  clusters: (event: T, runtime: Runtime) => string[];
}

/**
 * Resolves the credentials of every cluster the event needs before the handler runs: a kubeconfig read from
 * Secrets Manager, an EKS endpoint and token. A missing secret or a denied DescribeCluster fails here, with the
 * cluster's name, before anything is read or written; warm invocations reuse what the cold start loaded.
 */
export function loadSecrets<T>(options: LoadSecretsOptions<T>): MiddlewareObj<unknown, unknown> {
  const loadSecretsBefore = async (request: { event: unknown }): Promise<void> => {
    const names = [...new Set(options.clusters(request.event as T, options.runtime))];
    await Promise.all(names.map((name) => options.runtime.openCluster(name)));
  };
  return { name: 'loadSecrets', before: loadSecretsBefore };
}
