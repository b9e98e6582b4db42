import { KubeConfig } from '@kubernetes/client-node';
import { joinApiVersion, splitApiVersion, type KubeObject } from '../model/object.js';
import type { ApiResource, Cluster, Discovery, ListOptions, ListPage, PatchType, WriteOptions } from './cluster.js';
import { ClusterError, NotFound } from './errors.js';
import { DEFAULT_LIMITS, KubeHttp, type HttpLimits, type HttpStats } from './http.js';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

interface ApiResourceList {
  groupVersion: string;
  resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[];
}

const AGGREGATED_DISCOVERY = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

/** apidiscovery.k8s.io/v2 APIGroupDiscoveryList, the fields Ferry reads. */
interface AggregatedDiscovery {
  kind?: string;
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      resources?: { resource: string; responseKind?: { kind: string }; scope: string; verbs?: string[] }[];
    }[];
  }[];
}

/** Loads a kubeconfig file (and optionally a context) with @kubernetes/client-node. */
export function loadKubeConfig(file: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  if (context) kc.setCurrentContext(context);
  return kc;
}

/** The cluster port over one API server, reached with a kubeconfig. */
export class KubeCluster implements Cluster {
  private readonly http: KubeHttp;
  private discovery?: Promise<Discovery>;
  private openApiIndex?: Promise<Record<string, string>>;
  private readonly openApiDocs = new Map<string, Promise<unknown>>();

  constructor(kc: KubeConfig, limits: HttpLimits = DEFAULT_LIMITS) {
    this.http = new KubeHttp(kc, limits);
  }

  /** The API server's URL (for messages that name the peer). */
  get server(): string {
    return this.http.server.origin + this.http.server.pathname.replace(/\/$/, '');
  }

  discover(options: { refresh?: boolean } = {}): Promise<Discovery> {
    if (!this.discovery || options.refresh) {
      this.discovery = this.fetchDiscovery();
      this.discovery.catch(() => { this.discovery = undefined; });
    }
    return this.discovery;
  }

  async listPage(resource: ApiResource, options: ListOptions = {}): Promise<ListPage> {
    const path = resourcePath(resource, options.namespace);
    const list = await this.http.json<{ items?: KubeObject[]; metadata?: { continue?: string; resourceVersion?: string } }>({
      method: 'GET', path,
      query: { limit: options.limit, continue: options.continueToken, labelSelector: options.labelSelector },
    }, `list ${path}`);
    const apiVersion = joinApiVersion(resource.group, resource.version);
    // NOTE: items in a LIST answer carry no apiVersion and kind; the list's own type names them.
    const items = (list.items ?? []).map((item) => ({ ...item, apiVersion, kind: resource.kind }));
    return { items, continueToken: list.metadata?.continue || undefined, resourceVersion: list.metadata?.resourceVersion };
  }

  /**
   * One LIST page as the server's undecoded JSON (`{"kind":"...List","metadata":{...},"items":[...]}`), for
   * callers that pass items on without decoding them; errors as listPage.
   */
  async listPageBytes(resource: ApiResource, options: ListOptions = {}): Promise<Buffer> {
    const path = resourcePath(resource, options.namespace);
    return this.http.bytes({
      method: 'GET', path,
      query: { limit: options.limit, continue: options.continueToken, labelSelector: options.labelSelector },
    }, `list ${path}`);
  }

  async read(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
    const resource = await this.resolve(apiVersion, kind);
    try {
      return await this.http.json<KubeObject>({ method: 'GET', path: `${resourcePath(resource, namespace)}/${encodeURIComponent(name)}` }, `read ${kind} ${name}`);
    } catch (err) {
      if (err instanceof NotFound) return undefined;
      throw err;
    }
  }

  async create(obj: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const resource = await this.resolve(obj.apiVersion, obj.kind);
    return this.http.json<KubeObject>({
      method: 'POST', path: resourcePath(resource, obj.metadata.namespace), body: obj,
      query: { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager },
    }, `create ${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`);
  }

  async patch(target: KubeObject, patch: unknown, type: PatchType, options: WriteOptions = {}): Promise<KubeObject> {
    const resource = await this.resolve(target.apiVersion, target.kind);
    const name = target.metadata.name ?? '';
    return this.http.json<KubeObject>({
      method: 'PATCH', path: `${resourcePath(resource, target.metadata.namespace)}/${encodeURIComponent(name)}`, body: patch,
      contentType: PATCH_CONTENT_TYPES[type],
      query: { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager ?? (type === 'apply' ? 'ferry' : undefined) },
    }, `patch ${target.kind} ${name}`);
  }

  async delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void> {
    const resource = await this.resolve(apiVersion, kind);
    try {
      await this.http.json({ method: 'DELETE', path: `${resourcePath(resource, namespace)}/${encodeURIComponent(name)}` }, `delete ${kind} ${name}`);
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
    }
  }

  /** Requests sent, retries and 429 answers so far. */
  get stats(): HttpStats {
    return this.http.stats;
  }

  /** Closes idle connections so a process can exit. */
  close(): void {
    this.http.close();
  }

  private async resolve(apiVersion: string, kind: string): Promise<ApiResource> {
    const find = (d: Discovery) => {
      const { group, version } = splitApiVersion(apiVersion);
      return d.resources.find((r) => r.group === group && r.version === version && r.kind === kind);
    };
    // A CRD created a moment ago is not in the cached discovery yet: look again once before giving up.
    const found = find(await this.discover()) ?? find(await this.discover({ refresh: true }));
    if (!found) throw new NotFound(`the server does not serve ${kind} in ${apiVersion}`, 404, 'NotFound');
    return found;
  }

  openApiV3(groupVersion: string): Promise<unknown> {
    let doc = this.openApiDocs.get(groupVersion);
    if (!doc) {
      doc = this.fetchOpenApi(groupVersion);
      // A failure is not kept: the next restore asks again.
      doc.catch(() => this.openApiDocs.delete(groupVersion));
      this.openApiDocs.set(groupVersion, doc);
    }
    return doc;
  }

  /** /openapi/v3 lists one document per group version, each at a URL whose hash changes with its content. */
  private async fetchOpenApi(groupVersion: string): Promise<unknown> {
    this.openApiIndex ??= this.http.json<{ paths?: Record<string, { serverRelativeURL?: string }> }>({ method: 'GET', path: '/openapi/v3' }, 'openapi /openapi/v3')
      .then((index) => Object.fromEntries(Object.entries(index.paths ?? {}).flatMap(([path, p]) => (typeof p?.serverRelativeURL === 'string' ? [[path, p.serverRelativeURL]] : []))))
      .catch((err: unknown) => {
        this.openApiIndex = undefined;
        // A server from before OpenAPI v3 (Kubernetes 1.23) publishes none.
        if (err instanceof NotFound) return {};
        throw err;
      });
    const url = (await this.openApiIndex)[groupVersion.includes('/') ? `apis/${groupVersion}` : `api/${groupVersion}`];
    if (!url) return undefined;
    const [path, query] = url.split('?');
    return this.http.json({ method: 'GET', path: path!, query: Object.fromEntries(new URLSearchParams(query ?? '')) }, `openapi ${path}`);
  }

  /**
   * Aggregated discovery (Kubernetes 1.30+ by default): /api and /apis each answer every group, version and
   * resource in one request, instead of one request per group version. Older servers answer a plain group list
   * to this Accept header; they are asked the classic way.
   */
  private async fetchDiscovery(): Promise<Discovery> {
    const [version, core, apis] = await Promise.all([
      this.http.json<{ gitVersion: string }>({ method: 'GET', path: '/version' }, 'discovery /version'),
      this.http.json<AggregatedDiscovery>({ method: 'GET', path: '/api', accept: AGGREGATED_DISCOVERY }, 'discovery /api'),
      this.http.json<AggregatedDiscovery>({ method: 'GET', path: '/apis', accept: AGGREGATED_DISCOVERY }, 'discovery /apis'),
    ]);
    if (core.kind !== 'APIGroupDiscoveryList' || apis.kind !== 'APIGroupDiscoveryList') return this.fetchDiscoveryByGroup(version.gitVersion);
    const groups: Discovery['groups'] = [];
    const resources: ApiResource[] = [];
    for (const g of [...(core.items ?? []), ...(apis.items ?? [])]) {
      const name = g.metadata?.name ?? '';
      // Versions come in order of preference, the preferred one first.
      const versions = (g.versions ?? []).map((v) => v.version);
      if (versions.length === 0) continue;
      groups.push({ name, versions, preferredVersion: versions[0]! });
      for (const v of g.versions ?? []) {
        for (const r of v.resources ?? []) {
          resources.push({
            group: name, version: v.version, resource: r.resource, kind: r.responseKind?.kind ?? '',
            namespaced: r.scope === 'Namespaced', verbs: r.verbs ?? [],
          });
        }
      }
    }
    return { serverVersion: version.gitVersion, groups, resources };
  }

  /** Classic discovery: /api, /apis, then one request per group version. */
  private async fetchDiscoveryByGroup(serverVersion: string): Promise<Discovery> {
    const core = await this.http.json<{ versions: string[] }>({ method: 'GET', path: '/api' }, 'discovery /api');
    const apis = await this.http.json<{ groups: { name: string; versions: { version: string }[]; preferredVersion: { version: string } }[] }>(
      { method: 'GET', path: '/apis' }, 'discovery /apis');
    const groups = [
      { name: '', versions: core.versions, preferredVersion: core.versions[0] ?? 'v1' },
      ...apis.groups.map((g) => ({ name: g.name, versions: g.versions.map((v) => v.version), preferredVersion: g.preferredVersion.version })),
    ];
    const lists = await Promise.all(groups.flatMap((g) => g.versions.map(async (v) => {
      const path = g.name ? `/apis/${g.name}/${v}` : `/api/${v}`;
      try {
        return await this.http.json<ApiResourceList>({ method: 'GET', path }, `discovery ${path}`);
      } catch (err) {
        // An aggregated API that is down must not break discovery of everything else.
        if (err instanceof ClusterError && err.status >= 500) return { groupVersion: joinApiVersion(g.name, v), resources: [] };
        throw err;
      }
    })));
    const resources = lists.flatMap((list) => {
      const { group, version } = splitApiVersion(list.groupVersion);
      return list.resources
        .filter((r) => !r.name.includes('/'))
        .map((r) => ({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs }));
    });
    return { serverVersion, groups, resources };
  }
}

function resourcePath(r: ApiResource, namespace?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return r.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.resource}` : `${base}/${r.resource}`;
}
