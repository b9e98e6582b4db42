/**
 * The restore's plan: the backup streamed once through the pure pipeline, each kept object spilled to
 * ephemeral storage as it is transformed, and only its place in the spill (16 bytes) kept in memory, in its
 * priority group. Inside a group objects keep the backup's order (they are written concurrently anyway). The tarball is read pinned and hashed: a mismatch refuses the restore before anything is applied.
 */
import { createHash } from 'node:crypto';
import type { ItemCounts, Log } from '../catalog/types.js';
import type { Discovery } from '../kube/cluster.js';
import type { KubeObject } from '../model/object.js';
import { addMessage, emptyResults, mergeResult, type RunResults } from '../model/results.js';
import { ArchiveError } from '../store/archive-reader.js';
import type { BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import type { Cluster } from '../kube/cluster.js';
import type { RestoreSpec } from '../spec/restore-spec.js';
import type { ApplyGroup } from './apply/apply-all.js';
import { addNamespaceUse, type NamespaceUse } from './apply/namespaces.js';
import { itemKey } from './apply/outcome.js';
import { RestoreRefusedError } from './errors.js';
import { RESTORE_LIMITS } from './limits.js';
import { crdListMapKeysFrom, type ResourceModifiers } from './modifiers/index.js';
import { orderGroupResources } from './ordering.js';
import { STAGES, Transformer } from './pipeline.js';
import { readBackupItems } from './read-backup.js';
import type { RestoreResult } from './result.js';
import { SpillFile, SpillLimitError, type SpillRef } from './spill.js';
import type { targetFromDiscovery } from './target.js';
import type { TransformContext, TransformItem } from './types.js';
import { openPinnedTarball, type PinnedTarball } from './verify-backup.js';
import { privilegedRoleKeys, ROLES } from './stages/privileged-rbac.js';
import { volumesToReprovision } from './stages/reprovision-volumes.js';
import { loadTargetPatchMeta } from './target-patch-meta.js';
import { loadRestoreVolumes } from './volumes/load.js';
import { snapshotItemsOf } from './volumes/restore-objects.js';

/** What apply and the result need of the transformed backup. */
export interface RestorePlan {
  /** Per priority group, in apply order: the spill's entry numbers (see `spilled`), in the backup's order. */
  groups: ApplyGroup<number>[];
  /** Where each entry's object is in the spill. */
  spilled: SpillRefs;
  /** Where each entry's key (`apiVersion/kind/namespace/name`, apply/outcome.ts itemKey) is in the spill. */
  keys: SpillRefs;
  /** The entries' number and the sha256 of their keys in order: a checkpoint's outcomes belong to the plan of the same fingerprint. */
  fingerprint: { entries: number; sha256: string };
  /** The namespaces the objects are in, and the Namespace objects among them. */
  namespaces: NamespaceUse;
  /** The first MAX_SKIPPED_LISTED objects the transform left out, and how many more it did. */
  skipped: RestoreResult['skippedByTransform'];
  skippedOmitted?: number;
  /** The transform's warnings and errors, and the run's own (unreadable entries, volume records). */
  results: RunResults;
  spill: SpillFile;
}

/** What planning needs. */
export interface PlanInput {
  spec: RestoreSpec;
  backup: string;
  restore: string;
  tarball: PinnedTarball;
  discovery: Discovery;
  target: ReturnType<typeof targetFromDiscovery>;
  modifiers?: ResourceModifiers;
  /** Called now and then while the backup streams (the restore renews its claim). */
  onProgress?: () => Promise<void>;
  /** Where the spill goes (the OS's temporary folder by default) and how large it may grow (RESTORE_LIMITS.maxSpillBytes). */
  spill?: { dir?: string; limit?: number };
  /** Most objects the backup may hold (RESTORE_LIMITS.maxItems). */
  maxItems?: number;
  /** The backup's counts by resource, when known: a first pass is skipped for what it does not hold. */
  counts?: ItemCounts;
}

const CRDS = 'customresourcedefinitions.apiextensions.k8s.io';
/** Objects left out by the transform that a restore lists by name (the rest are counted). */
const MAX_SKIPPED_LISTED = 1000;
const PVS = 'persistentvolumes';

/** Streams the backup through the pipeline into a spill; the caller closes `plan.spill`. */
export async function planRestore(input: PlanInput, deps: { store: ObjectStore; layout: BucketLayout; cluster: Cluster; log?: Log }): Promise<RestorePlan> {
  const runResults = emptyResults();
  const unreadable = (e: { path: string; reason: string }) => addMessage(runResults.errors, undefined, `backup entry ${e.path}: ${e.reason}`);
  // restorePVs: false (Velero's) restores claims and volumes as they were, without their snapshot data.
  const loaded = input.spec.restorePVs === false ? { warnings: [] } : await loadRestoreVolumes(input.backup, deps, input.discovery, input.spec.csiDriverMapping);
  for (const w of loaded.warnings) addMessage(runResults.warnings, undefined, w);
  const first = await firstPass(deps.store, input);
  // Strategic patches merge built-in kinds by the target's own merge keys (its OpenAPI v3), when it publishes them.
  const targetPatchMeta = input.modifiers?.rules.some((r) => r.patches.type === 'strategic')
    ? await loadTargetPatchMeta(deps.cluster, input.discovery, groupsOf(input.counts), deps.log) : undefined;
  const context: TransformContext = {
    spec: input.spec, backupName: input.backup, restoreName: input.restore, resolve: input.target.resolve, served: input.target.served,
    privilegedRoles: privilegedRoleKeys(first.roles),
    ...(targetPatchMeta ? { targetPatchMeta } : {}),
    ...(input.modifiers ? { modifiers: input.modifiers, crdListMapKeys: crdListMapKeysFrom(first.crds) } : {}), ...(loaded.volumes ? { volumes: loaded.volumes } : {}),
    reprovisionVolumes: volumesToReprovision(first.volumes, loaded.volumes),
  };
  const spill = await SpillFile.create({ limit: RESTORE_LIMITS.maxSpillBytes, ...input.spill });
  try {
    const transformer = new Transformer(context, STAGES, { keepOriginals: false, maxSkipped: MAX_SKIPPED_LISTED });
    const { byGroup, spilled, keys, fingerprint, namespaces } = await spillBackup(deps.store, input, transformer, spill, unreadable);
    mergeResult(runResults.warnings, transformer.result.warnings);
    mergeResult(runResults.errors, transformer.result.errors);
    return {
      groups: orderGroupResources(byGroup.keys()).map((name) => ({ name, items: byGroup.get(name)! })), spilled, keys, fingerprint, namespaces,
      skipped: transformer.result.skipped.map((s) => ({
        kind: s.item.object.kind, namespace: s.item.backupNamespace, name: s.item.object.metadata.name ?? '', reason: `${s.stage}: ${s.reason}`,
      })),
      ...(transformer.skippedOmitted > 0 ? { skippedOmitted: transformer.skippedOmitted } : {}),
      results: runResults, spill,
    };
  } catch (err) {
    await spill.close();
    if (err instanceof SpillLimitError) throw new RestoreRefusedError(`backup ${input.backup}: ${err.message}; nothing was applied`, { cause: err });
    throw err;
  }
}

/** Spill refs packed two doubles each, so that a hundred thousand objects cost a few megabytes. */
export class SpillRefs {
  private data = new Float64Array(2048);
  private count = 0;

  /** Refs pushed so far. */
  get length(): number {
    return this.count;
  }

  /** Adds a ref; returns its entry number. */
  push(ref: SpillRef): number {
    if (this.count * 2 === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.count * 2] = ref.offset;
    this.data[this.count * 2 + 1] = ref.length;
    return this.count++;
  }

  /** The ref of entry `n`. */
  at(n: number): SpillRef {
    return { offset: this.data[n * 2]!, length: this.data[n * 2 + 1]! };
  }
}

async function spillBackup(store: ObjectStore, input: PlanInput, transformer: Transformer, spill: SpillFile,
  unreadable: (e: { path: string; reason: string }) => void): Promise<Pick<RestorePlan, 'spilled' | 'keys' | 'fingerprint' | 'namespaces'> & { byGroup: Map<string, number[]> }> {
  const byGroup = new Map<string, number[]>();
  const spilled = new SpillRefs();
  const keys = new SpillRefs();
  const hash = createHash('sha256');
  const namespaces: NamespaceUse = { wanted: new Set(), brought: new Set() };
  const add = async (item: TransformItem) => {
    const key = itemKey(item.object);
    hash.update(`${key}\n`);
    keys.push(await spill.append(Buffer.from(key)));
    const n = spilled.push(await spill.append(Buffer.from(JSON.stringify(item.object))));
    addNamespaceUse(namespaces, item.object);
    let group = byGroup.get(item.groupResource);
    if (!group) byGroup.set(item.groupResource, group = []);
    group.push(n);
  };
  const extras: TransformItem[] = [];
  let read = 0;
  for await (const item of pinnedItems(store, input, unreadable)) {
    const kept = transformer.transform(item);
    if (kept) {
      await add(kept);
      extras.push(...snapshotItemsOf(kept, transformer.context));
    }
    if (++read > (input.maxItems ?? RESTORE_LIMITS.maxItems)) {
      throw new RestoreRefusedError(`backup ${input.backup} holds more than ${input.maxItems ?? RESTORE_LIMITS.maxItems} items, more than a restore holds within its memory bound; nothing was applied`);
    }
    if (read % 1000 === 0) await input.onProgress?.();
  }
  // The snapshot objects of restored claims, unless the backup brought them itself (a Velero backup may).
  const added = new Set<string>();
  for (const extra of extras) {
    const key = `${extra.groupResource} ${extra.object.metadata.namespace ?? ''}/${extra.object.metadata.name ?? ''}`;
    if (transformer.keeps(extra) || added.has(key)) continue;
    added.add(key);
    await add(extra);
  }
  await spill.flush();
  return { byGroup, spilled, keys, fingerprint: { entries: spilled.length, sha256: hash.digest('hex') }, namespaces };
}

/**
 * The first pass, over what the stages need to know of other objects: the CRDs (list-map keys for strategic merge
 * patches, when there are modifiers), the PersistentVolumes (which to provision anew) and the roles (which grant
 * privilege, for the bindings to them). Only their bodies are
 * read, and not at all when the backup's counts say it holds none.
 */
async function firstPass(store: ObjectStore, input: PlanInput): Promise<{ crds: KubeObject[]; volumes: TransformItem[]; roles: TransformItem[] }> {
  const has = (gr: string) => input.counts === undefined || (input.counts.byResource[gr] ?? 0) > 0;
  const wanted = new Set([...(input.modifiers && has(CRDS) ? [CRDS] : []), ...[PVS, ...ROLES].filter(has)]);
  const found = { crds: [] as KubeObject[], volumes: [] as TransformItem[], roles: [] as TransformItem[] };
  if (wanted.size === 0) return found;
  for await (const item of pinnedItems(store, input, () => undefined, (gr) => wanted.has(gr))) {
    if (item.groupResource === CRDS) found.crds.push(item.object);
    else if (item.groupResource === PVS) found.volumes.push(item);
    else found.roles.push(item);
  }
  return found;
}

/** The API groups of a backup's resources, from its counts (`deployments.apps` is in `apps`; the core group is ""). */
function groupsOf(counts: ItemCounts | undefined): string[] {
  return Object.keys(counts?.byResource ?? {}).map((gr) => (gr.includes('.') ? gr.slice(gr.indexOf('.') + 1) : ''));
}

/**
 * The items of the pinned tarball (of the groupResources `only` takes). An unsafe or oversized archive refuses the
 * restore; so do bytes that do not match the manifest, checked at the end, before the caller applies anything.
 */
async function* pinnedItems(store: ObjectStore, input: PlanInput, onUnreadable: (e: { path: string; reason: string }) => void,
  only?: (groupResource: string) => boolean): AsyncGenerator<TransformItem> {
  const tarball = await openPinnedTarball(store, input.tarball);
  try {
    yield* readBackupItems(tarball.body, input.target.resolve, onUnreadable, undefined, only);
  } catch (err) {
    if (err instanceof ArchiveError) throw new RestoreRefusedError(`backup ${input.backup}: ${err.message}; nothing was applied`, { cause: err });
    throw err;
  }
  tarball.check();
}
