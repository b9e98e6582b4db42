// An in-memory Cluster that records every call, for unit tests of code that talks to the cluster port.
// It is a fake for pure units and for edge cases (it is not used where the real stack can answer).
import type { ApiResource, Cluster, Discovery, ListOptions, ListPage, PatchType, WriteOptions } from '../../lib/kube/cluster.js';
import { AlreadyExists, NotFound } from '../../lib/kube/errors.js';
import { isRecord, type KubeObject } from '../../lib/model/object.js';

/** One recorded call. */
export interface RecordedCall {
  op: 'create' | 'read' | 'patch' | 'delete' | 'list' | 'discover';
  key: string;
  dryRun?: boolean;
}

const keyOf = (apiVersion: string, kind: string, namespace: string | undefined, name: string) => `${apiVersion}/${kind}/${namespace ?? ''}/${name}`;

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** A fake cluster: objects in a map, failures injected per key, every call recorded. */
export class FakeCluster implements Cluster {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: RecordedCall[] = [];
  /** Errors to throw on create, by object key (`apiVersion/kind/namespace/name`). */
  readonly failOnCreate = new Map<string, Error>();
  /** Answers for reads of CRDs: a CRD is Established after this many reads (default at once). */
  crdReadsUntilEstablished = 0;
  private crdReads = 0;

  constructor(readonly resources: ApiResource[] = []) {}

  seed(...objects: KubeObject[]): this {
    for (const o of objects) this.objects.set(keyOf(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name!), structuredClone(o));
    return this;
  }

  async discover(): Promise<Discovery> {
    this.calls.push({ op: 'discover', key: '' });
    return { serverVersion: 'v1.35.4', groups: [], resources: this.resources };
  }

  async listPage(resource: ApiResource, options: ListOptions = {}): Promise<ListPage> {
    this.calls.push({ op: 'list', key: resource.resource });
    const items = [...this.objects.values()].filter((o) => o.kind === resource.kind && (!options.namespace || o.metadata.namespace === options.namespace));
    return { items };
  }

  async read(apiVersion: string, kind: string, name: string, namespace?: string): Promise<KubeObject | undefined> {
    const key = keyOf(apiVersion, kind, namespace, name);
    this.calls.push({ op: 'read', key });
    const found = this.objects.get(key);
    if (found && kind === 'CustomResourceDefinition') {
      const established = this.crdReads++ >= this.crdReadsUntilEstablished;
      return { ...found, status: { conditions: [{ type: 'Established', status: established ? 'True' : 'False' }] } };
    }
    return found && structuredClone(found);
  }

  async create(obj: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const key = keyOf(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name!);
    this.calls.push({ op: 'create', key, dryRun: options.dryRun });
    const injected = this.failOnCreate.get(key);
    if (injected) throw injected;
    if (obj.metadata.namespace && !this.objects.has(keyOf('v1', 'Namespace', undefined, obj.metadata.namespace))) {
      throw new NotFound(`namespaces "${obj.metadata.namespace}" not found`, 404, 'NotFound');
    }
    if (this.objects.has(key)) throw new AlreadyExists(`${key} already exists`, 409, 'AlreadyExists');
    const stored = { ...structuredClone(obj), metadata: { ...obj.metadata, uid: 'u-1', resourceVersion: '1' } };
    if (!options.dryRun) this.objects.set(key, stored);
    return stored;
  }

  async patch(target: KubeObject, patch: unknown, _type: PatchType, options: WriteOptions = {}): Promise<KubeObject> {
    const key = keyOf(target.apiVersion, target.kind, target.metadata.namespace, target.metadata.name!);
    this.calls.push({ op: 'patch', key, dryRun: options.dryRun });
    const live = this.objects.get(key);
    if (!live) throw new NotFound(`${key} not found`, 404, 'NotFound');
    const patched = mergePatch(live, patch) as KubeObject;
    if (!options.dryRun) this.objects.set(key, patched);
    return patched;
  }

  async delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void> {
    const key = keyOf(apiVersion, kind, namespace, name);
    this.calls.push({ op: 'delete', key });
    this.objects.delete(key);
  }

  /** The recorded calls of one operation, as keys. */
  keys(op: RecordedCall['op']): string[] {
    return this.calls.filter((c) => c.op === op).map((c) => c.key);
  }
}
