// The one in-memory Cluster of the unit tests: the whole port (discovery, paged LISTs with label selectors and
// continue tokens that can expire, the raw LIST bytes production's backup reads, reads, writes, OpenAPI v3, request
// counts), failures injected per key, every call recorded. It is a fake for pure units and for edge cases a real
// server cannot produce on demand; everything else is tested on the real stack.
import type { RawLister } from '../../lib/backup/gather.js';
import type { ApiResource, Cluster, Discovery, ListOptions, ListPage, PatchType, RequestStats, WriteOptions } from '../../lib/kube/cluster.js';
import { AlreadyExists, Expired, NotFound } from '../../lib/kube/errors.js';
import { cloneJson, isRecord, splitApiVersion, type KubeObject } from '../../lib/model/object.js';
import { matchesLabelQuery } from './label-query.js';

/** One recorded call; a LIST carries its options. */
export interface RecordedCall {
  op: 'create' | 'read' | 'patch' | 'delete' | 'list' | 'discover' | 'openapi';
  /** `apiVersion/kind/namespace/name`; for a LIST, `<resource>.<group>`. */
  key: string;
  dryRun?: boolean;
  options?: ListOptions;
}

/** What a fake serves beyond its resources and objects. */
export interface FakeClusterOptions {
  /** Answers LISTs as bytes too (listPageBytes), as the real adapter does and backups use; default true. */
  rawLists?: boolean;
  /** OpenAPI v3 documents by group version (`v1`, `apps/v1`), or how to answer; without them the fake has no openApiV3. */
  openApi?: Record<string, unknown> | ((groupVersion: string) => Promise<unknown>);
  /** Counts requests (the port's `stats`), as the real adapter does; default false. */
  countRequests?: boolean;
}

const r = (group: string, version: string, resource: string, kind: string, namespaced: boolean, verbs = ['list', 'get', 'create']): ApiResource =>
  ({ group, version, resource, kind, namespaced, verbs });

/** The resources of a small Kubernetes 1.35 server, plus custom ones (example.com prefers v1; gadgets are v1beta1 only). */
export const RESOURCES: ApiResource[] = [
  r('', 'v1', 'namespaces', 'Namespace', false), r('', 'v1', 'configmaps', 'ConfigMap', true), r('', 'v1', 'secrets', 'Secret', true),
  r('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true), r('', 'v1', 'persistentvolumes', 'PersistentVolume', false),
  r('', 'v1', 'events', 'Event', true), r('', 'v1', 'nodes', 'Node', false), r('', 'v1', 'bindings', 'Binding', true, ['create']),
  r('apps', 'v1', 'statefulsets', 'StatefulSet', true), r('apps', 'v1', 'deployments', 'Deployment', true),
  r('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false),
  r('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false),
  r('example.com', 'v1', 'widgets', 'Widget', true), r('example.com', 'v1beta1', 'widgets', 'Widget', true),
  r('example.com', 'v1beta1', 'gadgets', 'Gadget', true),
];

/** A discovery document over `resources` (a group's first version is its preferred one). */
export function discoveryOf(resources: ApiResource[] = RESOURCES): Discovery {
  const groups = new Map<string, Set<string>>();
  for (const res of resources) (groups.get(res.group) ?? groups.set(res.group, new Set()).get(res.group)!).add(res.version);
  return {
    serverVersion: 'v1.35.4',
    groups: [...groups].map(([name, versions]) => ({ name, versions: [...versions], preferredVersion: [...versions][0]! })),
    resources,
  };
}

/** A Kubernetes object literal with a uid derived from its identity. */
export function obj(apiVersion: string, kind: string, name: string, namespace?: string, extra: Record<string, unknown> = {}, labels?: Record<string, string>): KubeObject {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}), uid: `uid-${kind}-${namespace ?? ''}-${name}` }, ...extra };
}

/** A fake over RESOURCES holding `objects`, as a backup's tests want it. */
export function sourceCluster(objects: KubeObject[], resources: ApiResource[] = RESOURCES): FakeCluster {
  return new FakeCluster(resources).seed(...objects);
}

const keyOf = (apiVersion: string, kind: string, namespace: string | undefined, name: string) => `${apiVersion}/${kind}/${namespace ?? ''}/${name}`;
const groupOf = (apiVersion: string) => splitApiVersion(apiVersion).group;

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** A fake cluster: objects in a map keyed `apiVersion/kind/namespace/name`, failures injected per key, every call recorded. */
export class FakeCluster implements Cluster {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: RecordedCall[] = [];
  /** Errors to throw on create, by object key. */
  readonly failOnCreate = new Map<string, Error>();
  /** Errors to throw on LIST, by resource (`configmaps`). */
  readonly failures = new Map<string, Error>();
  /** How many times a continue token of a resource expires (410) before it works. */
  readonly expiries = new Map<string, number>();
  /** Errors to throw on a single-object read, by `kind/name`. */
  readonly readFailures = new Map<string, Error>();
  /** Item texts added to every LIST answer of a resource as bytes (objects no JavaScript value can be encoded from). */
  readonly rawItems = new Map<string, string[]>();
  discoveryError?: Error;
  /** A CRD is Established after this many reads of it (default at once). */
  crdReadsUntilEstablished = 0;
  /** Awaited inside every LIST, while it counts as running (tests pass a gate to hold lists open). */
  pace?: () => Promise<void>;
  running = 0;
  maxRunning = 0;
  /** LIST pages answered as bytes. */
  rawLists = 0;
  listPageBytes?: RawLister['listPageBytes'];
  readonly openApiV3?: (groupVersion: string) => Promise<unknown>;
  readonly stats?: RequestStats;
  private crdReads = 0;

  constructor(readonly resources: ApiResource[] = [], options: FakeClusterOptions = {}) {
    if (options.rawLists !== false) this.listPageBytes = (resource, listOptions) => this.listBytes(resource, listOptions);
    const openApi = options.openApi;
    if (openApi) {
      this.openApiV3 = async (gv) => {
        this.calls.push({ op: 'openapi', key: gv });
        this.count();
        return typeof openApi === 'function' ? openApi(gv) : openApi[gv];
      };
    }
    if (options.countRequests) this.stats = { requests: 0, retries: 0, throttled: 0 };
  }

  seed(...objects: KubeObject[]): this {
    for (const o of objects) this.objects.set(keyOf(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name!), cloneJson(o));
    return this;
  }

  async discover(): Promise<Discovery> {
    this.calls.push({ op: 'discover', key: '' });
    this.count();
    if (this.discoveryError) throw this.discoveryError;
    return discoveryOf(this.resources);
  }

  /** One page, sorted by namespace and name, every item at the listed version; continue tokens are offsets. */
  async listPage(resource: ApiResource, options: ListOptions = {}): Promise<ListPage> {
    this.calls.push({ op: 'list', key: `${resource.resource}.${resource.group}`, options });
    this.count();
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await this.pace?.();
      const failure = this.failures.get(resource.resource);
      if (failure) throw failure;
      const left = this.expiries.get(resource.resource) ?? 0;
      if (options.continueToken && left > 0) {
        this.expiries.set(resource.resource, left - 1);
        throw new Expired('the provided continue parameter is too old', 410, 'Expired');
      }
      const all = [...this.objects.values()].filter((o) => o.kind === resource.kind && groupOf(o.apiVersion) === resource.group
        && (!options.namespace || o.metadata.namespace === options.namespace)
        && matchesLabelQuery(options.labelSelector ?? '', o.metadata.labels ?? {}))
        .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
      const start = Number(options.continueToken ?? 0);
      const end = options.limit ? start + options.limit : all.length;
      const apiVersion = `${resource.group ? `${resource.group}/` : ''}${resource.version}`;
      const items = all.slice(start, end).map((o) => ({ ...cloneJson(o), apiVersion }));
      return { items, ...(end < all.length ? { continueToken: String(end) } : {}), resourceVersion: '9' };
    } finally {
      this.running--;
    }
  }

  /** The LIST calls, with their options, in order. */
  listCalls(): { resource: string; options: ListOptions }[] {
    return this.calls.filter((c) => c.op === 'list').map((c) => ({ resource: c.key, options: c.options ?? {} }));
  }

  async read(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
    const key = keyOf(apiVersion, kind, namespace, name);
    this.calls.push({ op: 'read', key });
    this.count();
    const failure = this.readFailures.get(`${kind}/${name}`);
    if (failure) throw failure;
    // Any served version reads the object, as the API server converts between versions.
    const found = this.objects.get(key) ?? [...this.objects.values()].find((o) => o.kind === kind && groupOf(o.apiVersion) === groupOf(apiVersion)
      && o.metadata.name === name && (o.metadata.namespace ?? '') === (namespace ?? ''));
    if (found && kind === 'CustomResourceDefinition') {
      const established = this.crdReads++ >= this.crdReadsUntilEstablished;
      return { ...found, status: { conditions: [{ type: 'Established', status: established ? 'True' : 'False' }] } };
    }
    return found && { ...cloneJson(found), apiVersion };
  }

  async create(object: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const key = keyOf(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name!);
    this.calls.push({ op: 'create', key, dryRun: options.dryRun });
    this.count();
    const injected = this.failOnCreate.get(key);
    if (injected) throw injected;
    if (object.metadata.namespace && !this.objects.has(keyOf('v1', 'Namespace', undefined, object.metadata.namespace))) {
      throw new NotFound(`namespaces "${object.metadata.namespace}" not found`, 404, 'NotFound');
    }
    if (this.objects.has(key)) throw new AlreadyExists(`${key} already exists`, 409, 'AlreadyExists');
    const stored = { ...cloneJson(object), metadata: { ...object.metadata, uid: 'u-1', resourceVersion: '1' } };
    if (!options.dryRun) this.objects.set(key, stored);
    return stored;
  }

  /** Applies every patch type as a JSON merge patch (enough for the units that use it). */
  async patch(target: KubeObject, patch: unknown, _type: PatchType, options: WriteOptions = {}): Promise<KubeObject> {
    const key = keyOf(target.apiVersion, target.kind, target.metadata.namespace, target.metadata.name!);
    this.calls.push({ op: 'patch', key, dryRun: options.dryRun });
    this.count();
    const live = this.objects.get(key);
    if (!live) throw new NotFound(`${key} not found`, 404, 'NotFound');
    const patched = mergePatch(live, patch) as KubeObject;
    if (!options.dryRun) this.objects.set(key, patched);
    return patched;
  }

  async delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void> {
    const key = keyOf(apiVersion, kind, namespace, name);
    this.calls.push({ op: 'delete', key });
    this.count();
    this.objects.delete(key);
  }

  /** The recorded calls of one operation, as keys. */
  keys(op: RecordedCall['op']): string[] {
    return this.calls.filter((c) => c.op === op).map((c) => c.key);
  }

  /**
   * A LIST page as the API server writes it: the list's own kind and metadata, built-in items without apiVersion
   * and kind, custom resources with them; then the raw items of the resource, if any.
   */
  private async listBytes(resource: ApiResource, options: ListOptions = {}): Promise<Buffer> {
    this.rawLists++;
    const page = await this.listPage(resource, options);
    const custom = resource.group.includes('.');
    const items = page.items.map(({ apiVersion, kind, ...rest }) => JSON.stringify(custom ? { apiVersion, kind, ...rest } : rest));
    if (!page.continueToken) items.push(...this.rawItems.get(resource.resource) ?? []);
    const metadata = { resourceVersion: page.resourceVersion, ...(page.continueToken ? { continue: page.continueToken } : {}) };
    return Buffer.from(`{"kind":"${resource.kind}List","apiVersion":"v1","metadata":${JSON.stringify(metadata)},"items":[${items.join(',')}]}`);
  }

  private count(): void {
    if (this.stats) this.stats.requests++;
  }
}
