// A recording fake of the cluster port for backup tests (real paging, selectors, 410s), and archive helpers; the store fake is test/support/memory-store.ts.
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { ApiResource, Cluster, Discovery, ListOptions, ListPage } from '../../../lib/kube/cluster.js';
import { Expired } from '../../../lib/kube/errors.js';
import { splitApiVersion, type KubeObject } from '../../../lib/model/object.js';

const r = (group: string, version: string, resource: string, kind: string, namespaced: boolean, verbs = ['list', 'get', 'create']): ApiResource =>
  ({ group, version, resource, kind, namespaced, verbs });

/** The resources of a small Kubernetes 1.35 server, plus a custom resource. */
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

/** A discovery document over RESOURCES (example.com prefers v1 and serves gadgets only in v1beta1). */
export function discoveryOf(resources: ApiResource[] = RESOURCES): Discovery {
  const groups = new Map<string, Set<string>>();
  for (const res of resources) (groups.get(res.group) ?? groups.set(res.group, new Set()).get(res.group)!).add(res.version);
  return {
    serverVersion: 'v1.35.4',
    groups: [...groups].map(([name, versions]) => ({ name, versions: [...versions], preferredVersion: [...versions][0]! })),
    resources,
  };
}

/** A Kubernetes object literal. */
export function obj(apiVersion: string, kind: string, name: string, namespace?: string, extra: Record<string, unknown> = {}, labels?: Record<string, string>): KubeObject {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}), uid: `uid-${kind}-${namespace ?? ''}-${name}` }, ...extra };
}

/** A fake API server: paged LISTs with label selectors, continue tokens that can expire, failures by resource. */
export class FakeCluster implements Cluster {
  readonly calls: { resource: string; options: ListOptions }[] = [];
  readonly reads: string[] = [];
  /** Resources whose LIST fails with this error. */
  readonly failures = new Map<string, Error>();
  /** How many times a continue token of a resource expires before it works. */
  readonly expiries = new Map<string, number>();
  /** Objects whose single-object read fails with this error, by `kind/name`. */
  readonly readFailures = new Map<string, Error>();
  discoveryError?: Error;
  running = 0;
  maxRunning = 0;

  constructor(readonly objects: KubeObject[], private readonly resources: ApiResource[] = RESOURCES, private readonly delayMs = 0) {}

  async discover(): Promise<Discovery> {
    if (this.discoveryError) throw this.discoveryError;
    return discoveryOf(this.resources);
  }

  async listPage(resource: ApiResource, options: ListOptions = {}): Promise<ListPage> {
    this.calls.push({ resource: `${resource.resource}.${resource.group}`, options });
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      const failure = this.failures.get(resource.resource);
      if (failure) throw failure;
      const left = this.expiries.get(resource.resource) ?? 0;
      if (options.continueToken && left > 0) {
        this.expiries.set(resource.resource, left - 1);
        throw new Expired('the provided continue parameter is too old', 410, 'Expired');
      }
      const all = this.objects.filter((o) => o.kind === resource.kind && splitApiVersion(o.apiVersion).group === resource.group
        && (!options.namespace || o.metadata.namespace === options.namespace)
        && matchesQuery(options.labelSelector ?? '', o.metadata.labels ?? {}))
        .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
      const start = Number(options.continueToken ?? 0);
      const end = options.limit ? start + options.limit : all.length;
      const items = all.slice(start, end).map((o) => ({ ...structuredClone(o), apiVersion: `${resource.group ? `${resource.group}/` : ''}${resource.version}` }));
      return { items, ...(end < all.length ? { continueToken: String(end) } : {}) };
    } finally {
      this.running--;
    }
  }

  async read(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
    this.reads.push(`${kind}/${name}`);
    const failure = this.readFailures.get(`${kind}/${name}`);
    if (failure) throw failure;
    const found = this.objects.find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? '') === (namespace ?? ''));
    return found ? { ...structuredClone(found), apiVersion } : undefined;
  }

  async create(): Promise<KubeObject> { throw new Error('a backup never creates'); }
  async patch(): Promise<KubeObject> { throw new Error('a backup never patches'); }
  async delete(): Promise<void> { throw new Error('a backup never deletes'); }
}

/** Evaluates the API server's label selector syntax as formatLabelSelector writes it. */
function matchesQuery(query: string, labels: Record<string, string>): boolean {
  if (!query) return true;
  const parts = query.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return parts.every((raw) => {
    const part = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^(\S+) (in|notin) \((.*)\)$/.exec(part))) {
      const has = m[3]!.split(',').includes(labels[m[1]!] ?? '\0');
      return m[2] === 'in' ? has : !has;
    }
    if ((m = /^(\S+)!=(.*)$/.exec(part))) return labels[m[1]!] !== m[2];
    if ((m = /^(\S+)=(.*)$/.exec(part))) return labels[m[1]!] === m[2];
    if (part.startsWith('!')) return !(part.slice(1) in labels);
    return part in labels;
  });
}

/** The entries of a tar.gz, by path, with their bodies as text. */
export async function tarEntries(gz: Buffer): Promise<Map<string, string>> {
  const extract = tar.extract();
  const out = new Map<string, string>();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry as unknown as Readable) chunks.push(c as Buffer);
      out.set(entry.header.name, Buffer.concat(chunks).toString('utf8'));
    }
  })();
  extract.end(gunzipSync(gz));
  await done;
  return out;
}

/** A clock that advances one second per call, from a fixed start. */
export function steppingClock(start = '2024-05-06T07:08:09.000Z'): () => Date {
  let t = Date.parse(start);
  return () => {
    const now = new Date(t);
    t += 1000;
    return now;
  };
}
