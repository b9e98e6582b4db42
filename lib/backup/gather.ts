import type { ApiResource, Cluster, ListOptions } from '../kube/cluster.js';
import { ClusterError, NotFound } from '../kube/errors.js';
import { joinApiVersion, type KubeObject } from '../model/object.js';
import { addMessage, type RunResults } from '../model/results.js';
import { listAll, listPages, pageOptions, type ListAllOptions } from './collect.js';
import { ItemError, type BackupContents } from './contents.js';
import { ListFormatError, splitList, type RawItem } from './list-items.js';
import { isExcludedByLabel, matchesSelectors, type BackupPlan, type ResourceType } from './select.js';
import type { BackupLog, BackupOptions } from './types.js';
import { runPool } from '../pool.js';

/** One LIST of a backup: a type, in one namespace or all, with one label selector (`""` for none). */
interface TypeList {
  type: ResourceType;
  namespace?: string;
  labelSelector: string;
}

/** A cluster adapter that can also return a LIST page's undecoded bytes (KubeCluster does). */
export interface RawLister {
  listPageBytes(resource: ApiResource, options?: ListOptions): Promise<Uint8Array>;
}

function rawListerOf(cluster: Cluster): RawLister | undefined {
  return typeof (cluster as Partial<RawLister>).listPageBytes === 'function' ? cluster as Cluster & RawLister : undefined;
}

/** How the listing went: types attempted and types that failed. */
export interface GatherStats {
  typesListed: number;
  typesFailed: number;
}

/**
 * Lists the planned types with bounded concurrency and writes what they hold, then adds the related
 * cluster-scoped objects. Per-item and per-type problems go to `results`; a failure of the archive (the
 * bucket) is thrown, since nothing more can be written.
 */
export class Gatherer {
  private typesDone = 0;
  private readonly stats: GatherStats = { typesListed: 0, typesFailed: 0 };

  constructor(
    private readonly cluster: Cluster,
    private readonly plan: BackupPlan,
    private readonly contents: BackupContents,
    private readonly results: RunResults,
    private readonly options: BackupOptions,
    private readonly log?: BackupLog,
    private readonly progress?: (typesDone: number, typesTotal: number, finished?: string) => void,
  ) {}

  /** Types to list in total (namespaced and whole cluster-scoped ones). */
  get typesTotal(): number {
    return this.plan.namespaced.length + this.plan.clusterScoped.length;
  }

  /**
   * Lists every planned type, then the related objects; returns how the listing went. Each type is listed per
   * namespace and label selector; those lists run `concurrency` at a time, whatever their type.
   */
  async run(): Promise<GatherStats> {
    const types = [...this.plan.namespaced, ...this.plan.clusterScoped];
    const lists: TypeList[] = [];
    const left = new Map<ResourceType, number>();
    for (const type of types) {
      const scopes = type.resource.namespaced && this.plan.namespaces ? this.plan.namespaces : [undefined];
      for (const namespace of scopes) for (const labelSelector of this.plan.selectors) lists.push({ type, namespace, labelSelector });
      left.set(type, scopes.length * this.plan.selectors.length);
    }
    this.stats.typesListed = types.length;
    const failed = new Set<ResourceType>();
    const finishList = (type: ResourceType) => {
      const n = left.get(type)! - 1;
      left.set(type, n);
      if (n > 0) return;
      this.typesDone++;
      this.progress?.(this.typesDone, this.typesTotal, type.groupResource);
    };
    for (const type of types) if (left.get(type) === 0) finishList(type);
    await runPool(lists, this.options.concurrency, async (list) => {
      try {
        // A type that failed in one namespace is not listed in the others: its failure is recorded once.
        if (!failed.has(list.type)) await this.gatherList(list);
      } catch (err) {
        if (!(err instanceof ClusterError)) throw err;
        if (!failed.has(list.type)) this.recordTypeFailure(list.type, err);
        failed.add(list.type);
      } finally {
        finishList(list.type);
      }
    });
    await this.gatherRelated();
    return { ...this.stats };
  }

  private async gatherList({ type, namespace, labelSelector }: TypeList): Promise<void> {
    const options: ListAllOptions = {
      ...(namespace ? { namespace } : {}), labelSelector, pageSize: this.options.pageSize, maxRestarts: this.options.maxListRestarts,
      onRestart: (attempt) => this.log?.warn(`the list of ${type.groupResource} expired; starting it over`, { groupResource: type.groupResource, attempt }),
    };
    const raw = rawListerOf(this.cluster);
    if (raw) {
      const apiVersion = joinApiVersion(type.resource.group, type.resource.version);
      const pages = listPages(async (token) => {
        const body = await raw.listPageBytes(type.resource, pageOptions(options, token));
        try {
          return splitList(body, apiVersion, type.resource.kind);
        } catch (err) {
          if (!(err instanceof ListFormatError)) throw err;
          throw new ClusterError(`list ${type.groupResource}: the answer is not a JSON list: ${err.message}`, 0, undefined, { cause: err });
        }
      }, options);
      for await (const page of pages) {
        for (const item of page.items) {
          this.writeRawItem(type, item);
          const behind = this.contents.backpressure();
          if (behind) await behind;
        }
        this.progress?.(this.typesDone, this.typesTotal);
      }
      return;
    }
    for await (const items of listAll(this.cluster, type.resource, options)) {
      for (const obj of items) await this.writeListed(type, obj);
      this.progress?.(this.typesDone, this.typesTotal);
    }
  }

  private writeRawItem(type: ResourceType, item: RawItem): void {
    if (type.resource.namespaced && !this.plan.includesNamespace(item.namespace)) return;
    if (item.excludedFromBackup) return;
    try {
      this.contents.writeRaw(type, item);
    } catch (err) {
      if (!(err instanceof ItemError)) throw err;
      if (!err.already) addMessage(this.results.errors, type.resource.namespaced ? item.namespace : '', err.message);
    }
  }

  private async writeListed(type: ResourceType, obj: KubeObject): Promise<void> {
    if (type.resource.namespaced && !this.plan.includesNamespace(obj.metadata.namespace ?? '')) return;
    if (isExcludedByLabel(obj)) return;
    await this.writeItem(type, obj);
  }

  private async writeItem(type: ResourceType, obj: KubeObject): Promise<void> {
    try {
      this.contents.write(type, obj);
    } catch (err) {
      if (!(err instanceof ItemError)) throw err;
      if (!err.already) addMessage(this.results.errors, type.resource.namespaced ? obj.metadata.namespace ?? '' : '', err.message);
    }
    await this.contents.backpressure();
  }

  private recordTypeFailure(type: ResourceType, err: ClusterError): void {
    // A type that went away between discovery and its list (a CRD deleted meanwhile) holds nothing to back up.
    if (err instanceof NotFound) {
      addMessage(this.results.warnings, undefined, `${type.groupResource} is no longer served: ${err.message}`);
      return;
    }
    this.stats.typesFailed++;
    addMessage(this.results.errors, undefined, `could not list ${type.groupResource}: ${err.message}`);
    this.log?.warn(`could not list ${type.groupResource}`, { groupResource: type.groupResource, error: err.message });
  }

  /** Namespaces of selected namespaces, PVs of backed-up PVCs and CRDs of backed-up custom resources. */
  private async gatherRelated(): Promise<void> {
    const { namespaces, persistentVolumes, customResourceDefinitions } = this.plan.related;
    if (namespaces) await this.gatherNamespaces(namespaces);
    const limit = this.options.concurrency;
    if (persistentVolumes) {
      await runPool(this.contents.boundVolumeNames(), limit, (name) =>
        this.gatherOne(persistentVolumes, name, (missing) => `PersistentVolume ${name}, bound to a backed-up claim, ${missing}`));
    }
    if (customResourceDefinitions) {
      // A dotted built-in group (networking.k8s.io, ...) has no CRD: not finding one is expected, not a warning.
      await runPool(this.contents.candidateCrdNames(), limit, (name) => this.gatherOne(customResourceDefinitions, name));
    }
  }

  private async gatherNamespaces(type: ResourceType): Promise<void> {
    const holding = this.contents.namespacesHoldingItems();
    const wanted = (ns: KubeObject) => !isExcludedByLabel(ns)
      && (matchesSelectors(this.plan, ns) || holding.has(ns.metadata.name ?? ''));
    try {
      if (this.plan.namespaces) {
        await runPool(this.plan.namespaces, this.options.concurrency, async (name) => {
          const ns = await this.read(type.resource, name);
          if (!ns) addMessage(this.results.warnings, name, `namespace ${name} is included but does not exist`);
          else if (wanted(ns)) await this.writeItem(type, ns);
        });
        return;
      }
      const pages = listAll(this.cluster, type.resource, { labelSelector: '', pageSize: this.options.pageSize, maxRestarts: this.options.maxListRestarts });
      for await (const items of pages) {
        for (const ns of items) if (this.plan.includesNamespace(ns.metadata.name ?? '') && wanted(ns)) await this.writeItem(type, ns);
      }
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      addMessage(this.results.errors, '', `could not read the selected namespaces: ${err.message}`);
    }
  }

  private async gatherOne(type: ResourceType, name: string, missing?: (what: string) => string): Promise<void> {
    if (this.contents.has(type, '', name)) return;
    try {
      const obj = await this.read(type.resource, name);
      if (!obj) {
        if (missing) addMessage(this.results.warnings, '', missing('does not exist'));
        return;
      }
      if (!isExcludedByLabel(obj)) await this.writeItem(type, obj);
    } catch (err) {
      if (!(err instanceof ClusterError)) throw err;
      addMessage(this.results.errors, '', `could not read ${type.groupResource} ${name}: ${err.message}`);
    }
  }

  private async read(resource: ApiResource, name: string): Promise<KubeObject | undefined> {
    return this.cluster.read(joinApiVersion(resource.group, resource.version), resource.kind, name);
  }
}
