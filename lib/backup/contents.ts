import { MAX_OBJECT_DEPTH, nestsDeeperThan } from '../model/depth.js';
import { compareStrings, groupResource, isRecord, type KubeObject } from '../model/object.js';
import { isSafeSegment, itemFile, itemFolder } from '../store/archive-paths.js';
import type { RawItem } from './list-items.js';
import type { ResourceType } from './select.js';

/** Where items go: one content under several archive paths at a time, with backpressure (an ArchiveWriter). */
export interface EntrySink {
  /** Takes the content at once; throws once the sink failed. */
  append(paths: readonly string[], parts: readonly Uint8Array[]): void;
  /** True while the sink is behind: wait for `ready()` before appending more. */
  readonly mustWait: boolean;
  ready(): Promise<void>;
}

/** Why an item could not be written (its name cannot be a path, ...); the run goes on. */
export class ItemError extends Error {
  override name = 'ItemError';
  /** True when the same item was reported before (a restarted list meets it again): not to be recorded twice. */
  readonly already: boolean;

  constructor(message: string, options: ErrorOptions & { already?: boolean } = {}) {
    super(message, options);
    this.already = options.already ?? false;
  }
}

/**
 * What a backup holds of one type so far; the folders are computed once, not per item. Names are kept by
 * namespace (`""` for cluster-scoped items), in the order written: the item's own name string and a set entry,
 * the least a backup can keep for its resource list (about 60 bytes an item; a `<namespace>/<name>` string per
 * item took three times that).
 */
interface TypeItems {
  names: Map<string, Set<string>>;
  /** The resource list's key: `apps/v1/Deployment`. */
  listKey: string;
  /** `resources/<gr>/`, and its preferred-version folder. */
  folder: string;
  preferredFolder: string;
}

/** A namespace's names in the order Array.prototype.sort gives (UTF-16 code units), as the resource list has them. */
function sortedNames(names: Set<string>): string[] {
  return [...names].sort();
}

/**
 * What a backup holds so far: it writes each item once, in both archive path forms, and keeps what the other
 * files need (the resource list, counts by type) and what the related pass needs (PVs of PVCs, custom types).
 * Only names are kept per item, never the objects.
 */
export class BackupContents {
  private readonly types = new Map<string, TypeItems>();
  /** Namespaces already checked as safe path segments. */
  private readonly safeNamespaces = new Set<string>();
  private readonly volumeNames = new Set<string>();
  private readonly namespacesWithItems = new Set<string>();
  private readonly customTypes = new Map<string, { resource: string; group: string }>();
  private total = 0;
  /** Items refused for what they hold (nested too deep), by `groupResource namespace/name`: each counted once. */
  private readonly refusedItems = new Set<string>();

  constructor(private readonly sink: EntrySink) {}

  /** True when an item of this type with this namespace and name is already in the backup. */
  has(type: ResourceType, namespace: string, name: string): boolean {
    return this.types.get(type.groupResource)?.names.get(namespace)?.has(name) ?? false;
  }

  /**
   * Writes one item at `resources/<gr>/...` and `resources/<gr>/<version>-preferredversion/...`; returns false
   * when it was already written (a restarted list, or a second label selector). Throws ItemError for an item
   * whose name cannot be an archive path.
   */
  write(type: ResourceType, obj: KubeObject): boolean {
    const namespace = type.resource.namespaced ? obj.metadata.namespace ?? '' : '';
    const name = obj.metadata.name ?? '';
    if (nestsDeeperThan(obj, MAX_OBJECT_DEPTH)) this.refuseTooDeep(type, namespace, name, `more than ${MAX_OBJECT_DEPTH}`);
    const paths = this.claim(type, namespace, name);
    if (!paths) return false;
    this.sink.append(paths, [Buffer.from(JSON.stringify(obj), 'utf8')]);
    this.note(type, namespace, () => obj);
    return true;
  }

  /** As `write`, for an item kept as the bytes the server sent (see splitList). */
  writeRaw(type: ResourceType, item: RawItem): boolean {
    const namespace = type.resource.namespaced ? item.namespace : '';
    if (item.depth > MAX_OBJECT_DEPTH) this.refuseTooDeep(type, namespace, item.name, String(item.depth));
    const paths = this.claim(type, namespace, item.name);
    if (!paths) return false;
    this.sink.append(paths, item.parts);
    this.note(type, namespace, () => item.object());
    return true;
  }

  /**
   * What to wait for before writing more: a promise while the archive is behind, else undefined. Writes are
   * synchronous and callers check this after each item, so at most one item is written past the bound.
   */
  backpressure(): Promise<void> | undefined {
    return this.sink.mustWait ? this.sink.ready() : undefined;
  }

  /**
   * Refuses an object nested deeper than MAX_OBJECT_DEPTH: Kubernetes' own objects never do, and neither a restore
   * nor Velero could walk it. It is counted once (a restarted list meets it again) and throws the reason.
   */
  private refuseTooDeep(type: ResourceType, namespace: string, name: string, levels: string): never {
    const what = `${type.groupResource} ${namespace ? `${namespace}/` : ''}${name}`;
    const already = this.refusedItems.has(what);
    this.refusedItems.add(what);
    throw new ItemError(`${what}: not backed up: it nests ${levels} levels of objects and arrays, more than the ${MAX_OBJECT_DEPTH} `
      + 'a backup takes (no Kubernetes object nests so deep; a restore could not walk it)', { already });
  }

  /** The item's two archive paths (as itemPath makes them), marked as written; undefined when it was written already. */
  private claim(type: ResourceType, namespace: string, name: string): [string, string] | undefined {
    const items = this.types.get(type.groupResource) ?? this.newType(type);
    if (items?.names.get(namespace)?.has(name)) return undefined;
    const unsafe = !items ? type.groupResource : !isSafeSegment(name) ? name : namespace && !this.isSafeNamespace(namespace) ? namespace : undefined;
    if (!items || unsafe !== undefined) {
      throw new ItemError(`${type.groupResource} ${namespace ? `${namespace}/` : ''}${name}: unsafe archive path segment "${unsafe}"`);
    }
    let names = items.names.get(namespace);
    if (!names) items.names.set(namespace, (names = new Set()));
    names.add(name);
    this.total++;
    const file = itemFile(namespace, name);
    return [items.folder + file, items.preferredFolder + file];
  }

  /** The state of a type's first item; undefined when its group-resource cannot be a path segment. */
  private newType(type: ResourceType): TypeItems | undefined {
    if (!isSafeSegment(type.groupResource)) return undefined;
    const { group, version, kind } = type.resource;
    const items: TypeItems = {
      names: new Map(), listKey: `${group ? `${group}/` : ''}${version}/${kind}`,
      folder: itemFolder(type.groupResource), preferredFolder: itemFolder(type.groupResource, version),
    };
    this.types.set(type.groupResource, items);
    return items;
  }

  private isSafeNamespace(namespace: string): boolean {
    if (this.safeNamespaces.has(namespace)) return true;
    if (!isSafeSegment(namespace)) return false;
    this.safeNamespaces.add(namespace);
    return true;
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

  /** Items listed but refused for what they hold (see refuseTooDeep); a backup's total counts them with the written ones. */
  get refusedCount(): number {
    return this.refusedItems.size;
  }

  /** Items written, by groupResource. */
  countsByResource(): Record<string, number> {
    const counts: [string, number][] = [];
    for (const [gr, items] of this.types) {
      let count = 0;
      for (const names of items.names.values()) count += names.size;
      if (count > 0) counts.push([gr, count]);
    }
    return Object.fromEntries(counts.sort(([a], [b]) => compareStrings(a, b)));
  }

  /**
   * Velero's resource list: `{"apps/v1/Deployment": ["ns/name"], "v1/PersistentVolume": ["name"]}`, sorted; only
   * the keys in `only` when given (the volume passes read claims and pods: the whole list would be built for them).
   */
  resourceList(only?: ReadonlySet<string>): Record<string, string[]> {
    const lists: Record<string, string[]> = {};
    for (const [key, groups] of this.listGroups()) {
      if (only && !only.has(key)) continue;
      lists[key] = groups.flatMap(([namespace, names]) => (namespace ? sortedNames(names).map((n) => `${namespace}/${n}`) : sortedNames(names)));
    }
    return lists;
  }

  /**
   * The resource list's JSON (`JSON.stringify(resourceList())`, the same text) a namespace's names at a time: a
   * backup of 100,000 items never holds the list's strings and its JSON whole.
   */
  *resourceListJson(): Generator<string> {
    let first = true;
    yield '{';
    for (const [key, groups] of this.listGroups()) {
      yield `${first ? '' : ','}${JSON.stringify(key)}:[`;
      first = false;
      let firstName = true;
      for (const [namespace, names] of groups) {
        const prefix = namespace ? `${namespace}/` : '';
        const json = sortedNames(names).map((n) => JSON.stringify(prefix + n)).join(',');
        yield `${firstName ? '' : ','}${json}`;
        firstName = false;
      }
      yield ']';
    }
    yield '}';
  }

  /**
   * The list's keys, sorted, each with its namespaces in the order their `<namespace>/<name>` strings sort (by
   * `<namespace>/`: no namespace holds a slash, so that order and then each name's is the order of the whole
   * strings). Types of one key (a kind served under two groups) are merged.
   */
  private listGroups(): [string, [string, Set<string>][]][] {
    const byKey = new Map<string, [string, Set<string>][]>();
    for (const items of this.types.values()) {
      for (const [namespace, names] of items.names) {
        if (names.size === 0) continue;
        const groups = byKey.get(items.listKey) ?? byKey.set(items.listKey, []).get(items.listKey)!;
        const same = groups.find(([ns]) => ns === namespace);
        if (same) same[1] = new Set([...same[1], ...names]);
        else groups.push([namespace, names]);
      }
    }
    const order = (ns: string) => (ns ? `${ns}/` : '');
    return [...byKey].sort(([a], [b]) => compareStrings(a, b))
      .map(([key, groups]) => [key, groups.sort(([a], [b]) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))]);
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
