import type { KubeObject } from '../model/object.js';

/** One served resource at one version, as discovery reports it. */
export interface ApiResource {
  group: string;
  version: string;
  /** Plural name, as in the URL. */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

/** What a cluster serves: every group's versions, its preferred one, and the resources of each version. */
export interface Discovery {
  /** Server version, e.g. `v1.35.4`. */
  serverVersion: string;
  groups: { name: string; versions: string[]; preferredVersion: string }[];
  /** Every resource at every served version (subresources excluded). */
  resources: ApiResource[];
}

/** Options of one LIST page. */
export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  limit?: number;
  continueToken?: string;
}

/** One LIST page: raw JSON bytes of the list (so callers can stream without re-serialising) and its items. */
export interface ListPage {
  items: KubeObject[];
  continueToken?: string;
  resourceVersion?: string;
}

/** Options of a write. */
export interface WriteOptions {
  /** Server-side dry run (`dryRun=All`): admission and validation run, nothing is stored. */
  dryRun?: boolean;
  fieldManager?: string;
}

/** The patch formats the API server accepts. */
export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

/**
 * The cluster port: generic reads and writes keyed by apiVersion and kind, as @kubernetes/client-node
 * offers them, with errors in our words (lib/kube/errors.ts).
 */
export interface Cluster {
  /** Served groups, versions and resources; cached by the adapter until `refresh`. */
  discover(options?: { refresh?: boolean }): Promise<Discovery>;
  /** One page of a LIST; throws Expired (410) when the continue token is too old. */
  listPage(resource: ApiResource, options?: ListOptions): Promise<ListPage>;
  /** Reads one object, or undefined when it does not exist. */
  read(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined>;
  /** Creates an object; throws AlreadyExists when it exists. */
  create(obj: KubeObject, options?: WriteOptions): Promise<KubeObject>;
  /** Patches the object named by `target`. */
  patch(target: KubeObject, patch: unknown, type: PatchType, options?: WriteOptions): Promise<KubeObject>;
  /** Deletes an object; a missing one is not an error. */
  delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void>;
  /**
   * The OpenAPI v3 document of one group version (`v1`, `apps/v1`) as the server publishes it under /openapi/v3,
   * or undefined when it publishes none; cached by the adapter. Optional: a fake without it has no schemas.
   */
  openApiV3?(groupVersion: string): Promise<unknown>;
  /** Requests sent so far, how many were retried, and how many of those answered 429 (waited out); adapters that count. */
  readonly stats?: RequestStats;
}

/** What a cluster adapter counts of its requests. */
export interface RequestStats {
  requests: number;
  retries: number;
  /** 429 answers, each waited out (Retry-After or backoff) and retried. */
  throttled: number;
}
