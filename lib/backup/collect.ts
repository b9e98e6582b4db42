import type { ApiResource, Cluster } from '../kube/cluster.js';
import { Expired } from '../kube/errors.js';
import type { KubeObject } from '../model/object.js';

/** Paging options of a full LIST. */
export interface ListAllOptions {
  namespace?: string;
  /** A server-side label selector (`""` for none). */
  labelSelector: string;
  /** Objects per page. */
  pageSize: number;
  /** How often a list whose continue token expired (410 Gone) starts over before the type fails. */
  maxRestarts: number;
  /** Told when a list starts over. */
  onRestart?: (attempt: number, cause: Expired) => void;
}

/**
 * Lists every object of one resource page by page, yielding each page as it arrives so that at most one page
 * is held. When a continue token expires, the list starts over from the first page; pages already yielded are
 * yielded again, so callers must skip objects they have seen.
 */
export async function* listAll(cluster: Cluster, resource: ApiResource, options: ListAllOptions): AsyncGenerator<KubeObject[]> {
  let restarts = 0;
  let continueToken: string | undefined;
  for (;;) {
    let page;
    try {
      page = await cluster.listPage(resource, {
        limit: options.pageSize,
        ...(options.namespace ? { namespace: options.namespace } : {}),
        ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
        ...(continueToken ? { continueToken } : {}),
      });
    } catch (err) {
      // NOTE: a continue token lives only as long as etcd keeps its revision (about 5 minutes after compaction).
      if (!(err instanceof Expired) || continueToken === undefined || restarts >= options.maxRestarts) throw err;
      restarts++;
      options.onRestart?.(restarts, err);
      continueToken = undefined;
      continue;
    }
    yield page.items;
    continueToken = page.continueToken;
    if (!continueToken) return;
  }
}

/** Runs `work` over `items` with at most `limit` running at once; resolves when all have settled. */
export async function runBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
