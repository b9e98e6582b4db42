import type { ApiResource, Cluster, ListOptions } from '../kube/cluster.js';
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
 * Lists every object of one resource page by page, yielding each page as it arrives; the next page is asked for
 * as soon as its continue token is known, so it arrives while the caller writes the current one (at most two
 * pages are held). When a continue token expires, the list starts over from the first page; pages already
 * yielded are yielded again, so callers must skip objects they have seen.
 */
export async function* listAll(cluster: Cluster, resource: ApiResource, options: ListAllOptions): AsyncGenerator<KubeObject[]> {
  for await (const page of listPages((continueToken) => cluster.listPage(resource, pageOptions(options, continueToken)), options)) yield page.items;
}

/** The options of one page of a full LIST. */
export function pageOptions(options: ListAllOptions, continueToken?: string): ListOptions {
  return {
    limit: options.pageSize,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    ...(continueToken ? { continueToken } : {}),
  };
}

/** Pages of a full LIST from any page reader (parsed or raw), with listAll's prefetch and restarts. */
export async function* listPages<P extends { continueToken?: string }>(
  fetchPage: (continueToken?: string) => Promise<P>, options: Pick<ListAllOptions, 'maxRestarts' | 'onRestart'>,
): AsyncGenerator<P> {
  let restarts = 0;
  const start = (token?: string) => {
    const page = fetchPage(token);
    // A page asked for ahead and never awaited (the caller stopped) must not surface as an unhandled rejection.
    page.catch(() => undefined);
    return { token, page };
  };
  let pending = start();
  for (;;) {
    let page: P;
    try {
      page = await pending.page;
    } catch (err) {
      // NOTE: a continue token lives only as long as etcd keeps its revision (about 5 minutes after compaction).
      if (!(err instanceof Expired) || pending.token === undefined || restarts >= options.maxRestarts) throw err;
      restarts++;
      options.onRestart?.(restarts, err);
      pending = start();
      continue;
    }
    const next = page.continueToken;
    if (next) pending = start(next);
    yield page;
    if (!next) return;
  }
}

