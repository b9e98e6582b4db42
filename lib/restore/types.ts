import type { KubeObject } from '../model/object.js';
import type { ResourceResolver } from '../model/resources.js';
import type { RestoreSpec } from '../spec/restore-spec.js';
import type { ServedVersions } from './api-versions/served-versions.js';
import type { CrdListMapKeys, PatchMeta, ResourceModifiers } from './modifiers/index.js';
import type { RestoreVolumes } from './volumes/records.js';

/** One object on its way through the restore pipeline. */
export interface TransformItem {
  /** The object as transformed so far. */
  object: KubeObject;
  /** The object as it came out of the backup; never changed. */
  original: KubeObject;
  /** The groupResource of `object` (`deployments.apps`); a stage that changes the group updates it. */
  groupResource: string;
  /** The object's namespace in the backup, before namespaceMapping; `""` for cluster-scoped objects. */
  backupNamespace: string;
}

/** Everything a stage may read besides the item: the spec, the target and the names of the run. */
export interface TransformContext {
  spec: RestoreSpec;
  backupName: string;
  restoreName: string;
  resolve: ResourceResolver;
  /** What the target serves; undefined leaves every apiVersion as it is. */
  served?: ServedVersions;
  /** The resource-modifier rules (stage 4); undefined when the restore has none. */
  modifiers?: ResourceModifiers;
  /** List-map keys of the custom resources whose CRDs are known, for strategic merge patches. */
  crdListMapKeys?: CrdListMapKeys;
  /** Strategic-merge metadata of built-in kinds as the target publishes it (OpenAPI v3); the built-in table without it. */
  targetPatchMeta?: (group: string, version: string, kind: string) => PatchMeta | undefined;
  /** The backup's CSI snapshot records and the target's drivers; undefined when the backup holds none. */
  volumes?: RestoreVolumes;
  /** Names of the backup's PersistentVolumes the target provisions anew (volumesToReprovision); none when undefined. */
  reprovisionVolumes?: ReadonlySet<string>;
  /** Keys (`ClusterRole name`, `Role ns/name`) of the backup's privileged roles, so that bindings to them are skipped too. */
  privilegedRoles?: ReadonlySet<string>;
}

/** What a stage did with one item: kept it (maybe changed, maybe with problems), or skipped it with a reason. */
export type StageResult =
  | { item: TransformItem; warnings?: string[]; errors?: string[] }
  | { skip: string; warning?: boolean };

/** One step of the pipeline: a pure function of an item and the context. */
export interface Stage {
  /** A short name used in problem records: `filter`, `strip-metadata`, ... */
  name: string;
  run(item: TransformItem, context: TransformContext): StageResult;
}

/** Returns the item with `object` replaced (and the rest kept). */
export function withObject(item: TransformItem, object: KubeObject, groupResource = item.groupResource): TransformItem {
  return { ...item, object, groupResource };
}
