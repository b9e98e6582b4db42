import { groupResource, isRecord, type KubeObject } from '../model/object.js';
import { itemPath, PREFERRED_VERSION_SUFFIX } from '../store/archive-paths.js';
import type { RawItem } from './list-items.js';
import type { ResourceType } from './select.js';

/** Where items go: one content under several archive paths at a time (an ArchiveWriter). */
export interface EntrySink {
  addCopies(paths: readonly string[], parts: readonly Uint8Array[]): Promise<void>;
}

/** Why an item could not be written (its name cannot be a path, ...); the run goes on. */
export class ItemError extends Error {
  override name = 'ItemError';
}

/**
 * What a backup holds so far: it writes each item once, in both archive path forms, and keeps what the other
 * files need (the resource list, counts by type) and what the related pass needs (PVs of PVCs, custom types).
 * Only names are kept per item, never the objects.
 */
export class BackupContents {
  private readonly seen = new Map<string, Set<string>>();
  private readonly listed = new Map<string, string[]>();
  private readonly counts = new Map<string, number>();
  private readonly volumeNames = new Set<string>();
  private readonly namespacesWithItems = new Set<string>();
  private readonly customTypes = new Map<string, { resource: string; group: string }>();
  private total = 0;

  constructor(private readonly sink: EntrySink) {}

  /** True when an item of this type with this namespace and name is already in the backup. */
  has(type: ResourceType, namespace: string, name: string): boolean {
    return this.seen.get(type.groupResource)?.has(`${namespace}/${name}`) ?? false;
  }

  /**
   * Writes one item at `resources/<gr>/...` and `resources/<gr>/<version>-preferredversion/...`; returns false
   * when it was already written (a restarted list, or a second label selector). Throws ItemError for an item
   * whose name cannot be an archive path.
   */
  async write(type: ResourceType, obj: KubeObject): Promise<boolean> {
    const namespace = type.resource.namespaced ? obj.metadata.namespace ?? '' : '';
    const name = obj.metadata.name ?? '';
    const paths = this.claim(type, namespace, name);
    if (!paths) return false;
    await this.sink.addCopies(paths, [Buffer.from(JSON.stringify(obj), 'utf8')]);
    this.note(type, namespace, () => obj);
    return true;
  }

  /** As `write`, for an item kept as the bytes the server sent (see splitList). */
  async writeRaw(type: ResourceType, item: RawItem): Promise<boolean> {
    const namespace = type.resource.namespaced ? item.namespace : '';
    const paths = this.claim(type, namespace, item.name);
    if (!paths) return false;
    await this.sink.addCopies(paths, item.parts);
    this.note(type, namespace, item.object);
    return true;
  }

  /** The item's two archive paths, marked as written; undefined when it was written already. */
  private claim(type: ResourceType, namespace: string, name: string): [string, string] | undefined {
    if (this.has(type, namespace, name)) return undefined;
    let paths: [string, string];
    try {
      // itemPath checks the segments; the preferred-version copy differs only by its folder (as itemPath puts it).
      const path = itemPath({ groupResource: type.groupResource, namespace, name });
      const folder = `resources/${type.groupResource}/`;
      paths = [path, `${folder}${type.resource.version}${PREFERRED_VERSION_SUFFIX}/${path.slice(folder.length)}`];
    } catch (err) {
      throw new ItemError(`${type.groupResource} ${namespace ? `${namespace}/` : ''}${name}: ${(err as Error).message}`, { cause: err });
    }
    this.mark(type, namespace, name);
    return paths;
  }

  private mark(type: ResourceType, namespace: string, name: string): void {
    let names = this.seen.get(type.groupResource);
    if (!names) this.seen.set(type.groupResource, (names = new Set()));
    names.add(`${namespace}/${name}`);
    const key = `${type.resource.group ? `${type.resource.group}/` : ''}${type.resource.version}/${type.resource.kind}`;
    let list = this.listed.get(key);
    if (!list) this.listed.set(key, (list = []));
    list.push(namespace ? `${namespace}/${name}` : name);
    this.counts.set(type.groupResource, (this.counts.get(type.groupResource) ?? 0) + 1);
    this.total++;
  }

  /** Keeps what the related pass needs; `object` is only called for claims, whose bound volume it needs. */
  private note(type: ResourceType, namespace: string, object: () => KubeObject): void {
    if (namespace) this.namespacesWithItems.add(namespace);
    if (type.groupResource === 'persistentvolumeclaims') {
      const spec = object().spec;
      if (isRecord(spec) && typeof spec.volumeName === 'string' && spec.volumeName) this.volumeNames.add(spec.volumeName);
    }
    // CRD groups always hold a dot; built-in groups without one (apps, batch, ...) are never custom.
    if (type.resource.group.includes('.')) {
      this.customTypes.set(type.groupResource, { resource: type.resource.resource, group: type.resource.group });
    }
  }

  /** Items written so far. */
  get itemCount(): number {
    return this.total;
  }

  /** Items written, by groupResource. */
  countsByResource(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Velero's resource list: `{"apps/v1/Deployment": ["ns/name"], "v1/PersistentVolume": ["name"]}`, sorted. */
  resourceList(): Record<string, string[]> {
    return Object.fromEntries([...this.listed].sort(([a], [b]) => a.localeCompare(b)).map(([k, names]) => [k, [...names].sort()]));
  }

  /** PersistentVolume names that backed-up PVCs are bound to. */
  boundVolumeNames(): string[] {
    return [...this.volumeNames].sort();
  }

  /** Namespaces that hold at least one backed-up item. */
  namespacesHoldingItems(): Set<string> {
    return new Set(this.namespacesWithItems);
  }

  /** CRD names (`<resource>.<group>`) of the types with items whose group could be a custom one. */
  candidateCrdNames(): string[] {
    return [...this.customTypes.values()].map((t) => groupResource(t.resource, t.group)).sort();
  }
}
