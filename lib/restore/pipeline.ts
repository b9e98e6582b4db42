import { isRecord, type KubeObject } from '../model/object.js';
import { addMessage, type Result } from '../model/results.js';
import { ItemTransformError } from './errors.js';
import { orderForRestore } from './ordering.js';
import { filterStage } from './stages/filter.js';
import { flexVolumeToCsiStage } from './stages/flexvolume-to-csi.js';
import { imageRegistryMappingStage } from './stages/image-registry-mapping.js';
import { kindActionsStage } from './stages/kind-actions.js';
import { namespaceMappingStage } from './stages/namespace-mapping.js';
import { networkRewritesStage } from './stages/network-rewrites.js';
import { reprovisionVolumesStage } from './stages/reprovision-volumes.js';
import { privilegedRbacStage } from './stages/privileged-rbac.js';
import { resourceModifiersStage } from './stages/resource-modifiers.js';
import { restoreLabelsStage } from './stages/restore-labels.js';
import { skipNonRestorableStage } from './stages/skip-non-restorable.js';
import { storageClassMappingStage } from './stages/storage-class-mapping.js';
import { stripMetadataStage } from './stages/strip-metadata.js';
import { upgradeApiVersionStage } from './stages/upgrade-api-version.js';
import { volumeSnapshotsStage } from './stages/volume-snapshots.js';
import type { Stage, TransformContext, TransformItem } from './types.js';
import { HashedKeySet } from './hashed-key-set.js';
import { MAX_OBJECT_DEPTH, nestsDeeperThan } from '../model/depth.js';

export { MAX_OBJECT_DEPTH, nestsDeeperThan } from '../model/depth.js';

/** Stages 1 to 6 of the restore pipeline, in order; stage 7 (ordering) runs over the survivors. */
export const STAGES: readonly Stage[] = [
  filterStage,
  skipNonRestorableStage, stripMetadataStage, kindActionsStage, volumeSnapshotsStage, reprovisionVolumesStage, upgradeApiVersionStage, flexVolumeToCsiStage,
  storageClassMappingStage, imageRegistryMappingStage, networkRewritesStage,
  resourceModifiersStage,
  // After the modifiers: a rule could make a role privileged; before namespaceMapping, which keeps roleRefs as they are.
  privilegedRbacStage,
  namespaceMappingStage,
  restoreLabelsStage,
];

/** One warning or error about one object, naming it as the user knows it. */
export interface ItemProblem {
  severity: 'warning' | 'error';
  apiVersion: string;
  kind: string;
  /** The namespace in the target (after namespaceMapping); `""` for cluster-scoped objects. */
  namespace: string;
  name: string;
  stage: string;
  message: string;
}

/** An object the pipeline left out, and why. */
export interface SkippedItem {
  item: TransformItem;
  stage: string;
  reason: string;
}

/** What transformAll returns: the objects to apply in order, the ones left out, and every problem. */
export interface TransformResult {
  items: TransformItem[];
  skipped: SkippedItem[];
  /** Velero-shaped, grouped by the target namespace. */
  warnings: Result;
  errors: Result;
  /** The same warnings and errors, one record each, in the order they arose. */
  problems: ItemProblem[];
}

/**
 * Runs every stage over every item, then orders the survivors for apply. Per-item problems never abort the
 * run: a stage's errors are recorded and the object is kept; an object that is malformed, makes a stage
 * throw, or collides with an earlier one after mapping is dropped with an error.
 */
export function transformAll(items: Iterable<TransformItem>, context: TransformContext,
  stages: readonly Stage[] = STAGES, options: TransformOptions = {}): TransformResult {
  const transformer = new Transformer(context, stages, options);
  const kept: TransformItem[] = [];
  for (const input of items) {
    const item = transformer.transform(input);
    if (item) kept.push(item);
  }
  return { ...transformer.result, items: orderForRestore(kept) };
}

/**
 * transformAll one item at a time, for a caller that streams the kept items elsewhere (a restore spills them
 * to disk): `result` gathers the skipped items and the problems, never the kept items.
 */
export class Transformer {
  readonly result: TransformResult = { items: [], skipped: [], warnings: {}, errors: {}, problems: [] };
  /** Skipped items past `options.maxSkipped`: counted here, not listed in `result.skipped`. */
  skippedOmitted = 0;
  // The identities kept so far, by hash: a set of strings would cost a restore of 100,000 objects some 10 MB more.
  private readonly seen = new HashedKeySet();

  constructor(readonly context: TransformContext, private readonly stages: readonly Stage[] = STAGES,
    private readonly options: TransformOptions = {}) {}

  /** The item as it is to be applied, or undefined when it was left out (skipped, malformed or a collision). */
  transform(input: TransformItem): TransformItem | undefined {
    try {
      return this.transformOne(input);
    } finally {
      while (this.result.skipped.length > (this.options.maxSkipped ?? Infinity)) {
        this.result.skipped.pop();
        this.skippedOmitted++;
      }
    }
  }

  private transformOne(input: TransformItem): TransformItem | undefined {
    const { result, context, options } = this;
    const skippedSoFar = result.skipped.length;
    const report = reporter(result, input, context);
    const malformed = checkShape(input.object);
    if (malformed) {
      report('error', 'input', malformed);
      // Listed with the skipped ones too, so that every object of the backup is accounted for in the counts.
      result.skipped.push({ item: options.keepOriginals === false ? slim(input) : input, stage: 'input', reason: malformed });
      return undefined;
    }
    const kept = runStages(input, context, this.stages, result, report);
    if (options.keepOriginals === false) slimSkipped(result, skippedSoFar);
    if (!kept) return undefined;
    const key = identity(kept);
    if (key && this.seen.has(key)) {
      report('error', 'collision', `another object already restores to ${key}; this one is dropped`);
      return undefined;
    }
    if (key) this.seen.add(key);
    return options.keepOriginals === false ? { ...kept, original: identityOf(kept.original) } : kept;
  }

  /** True when an item kept so far restores to the same object as `item` (same groupResource, namespace and name). */
  keeps(item: TransformItem): boolean {
    const key = identity(item);
    return key !== undefined && this.seen.has(key);
  }
}

/** How transformAll keeps what it returns. */
export interface TransformOptions {
  /**
   * false: of each object as it was in the backup only its apiVersion, kind, name and namespace are kept (what
   * withVolumeSnapshots looks claims up by), and of a skipped object the same, so that the rest can be freed once
   * transformed (a restore, which holds every transformed object while it orders them, needs no more).
   * `ferry transform --diff` keeps them whole. Default true.
   */
  keepOriginals?: boolean;
  /** Most skipped items listed (a restore lists 1,000: a filter can leave out most of a large backup); the rest are counted. */
  maxSkipped?: number;
}

/** Replaces the items skipped since `from` by their identity alone. */
function slimSkipped(result: TransformResult, from: number): void {
  for (let i = from; i < result.skipped.length; i++) result.skipped[i] = { ...result.skipped[i]!, item: slim(result.skipped[i]!.item) };
}

/** The item with its object and original reduced to their identity. */
function slim(item: TransformItem): TransformItem {
  return { ...item, object: identityOf(item.object), original: identityOf(item.original) };
}

/** An object's apiVersion, kind, name and namespace, without the rest of it. */
function identityOf(object: KubeObject): KubeObject {
  if (!isRecord(object)) return { apiVersion: '', kind: '', metadata: {} };
  const { apiVersion, kind } = object;
  const metadata: Partial<KubeObject['metadata']> = isRecord(object.metadata) ? object.metadata : {};
  return { apiVersion, kind, metadata: { name: metadata.name, ...(metadata.namespace ? { namespace: metadata.namespace } : {}) } };
}

type Report = (severity: ItemProblem['severity'], stage: string, message: string) => void;

function runStages(input: TransformItem, context: TransformContext, stages: readonly Stage[], result: TransformResult,
  report: Report): TransformItem | undefined {
  let item = input;
  for (const stage of stages) {
    let outcome;
    try {
      outcome = stage.run(item, context);
    } catch (err) {
      // Only a stage's refusal of the object is the object's error; anything else is a bug and goes up with its stack.
      if (!(err instanceof ItemTransformError)) throw err;
      report('error', stage.name, `failed: ${err.message}`);
      return undefined;
    }
    if ('skip' in outcome) {
      if (outcome.warning) report('warning', stage.name, `not restored: ${outcome.skip}`);
      result.skipped.push({ item, stage: stage.name, reason: outcome.skip });
      return undefined;
    }
    for (const w of outcome.warnings ?? []) report('warning', stage.name, w);
    for (const e of outcome.errors ?? []) report('error', stage.name, e);
    item = outcome.item;
  }
  return item;
}

function reporter(result: TransformResult, item: TransformItem, context: TransformContext): Report {
  const o: Partial<KubeObject> = isRecord(item.original) ? item.original : {};
  const namespace = item.backupNamespace === '' ? '' : (context.spec.namespaceMapping[item.backupNamespace] ?? item.backupNamespace);
  const name = isRecord(o.metadata) && typeof o.metadata.name === 'string' ? o.metadata.name : '';
  return (severity, stage, message) => {
    result.problems.push({ severity, apiVersion: String(o.apiVersion), kind: String(o.kind), namespace, name, stage, message });
    const where = `${String(o.kind)} ${namespace ? `${namespace}/` : ''}${name || '(unnamed)'}`;
    addMessage(severity === 'error' ? result.errors : result.warnings, namespace, `${where}: ${message}`);
  };
}

function checkShape(object: KubeObject): string | undefined {
  if (!isRecord(object)) return 'not an object';
  if (nestsDeeperThan(object, MAX_OBJECT_DEPTH)) return `nests more than ${MAX_OBJECT_DEPTH} levels deep: refused (no Kubernetes object does; the stages could not walk it)`;
  if (typeof object.apiVersion !== 'string' || !object.apiVersion) return 'has no apiVersion';
  if (typeof object.kind !== 'string' || !object.kind) return 'has no kind';
  if (!isRecord(object.metadata)) return 'has no metadata';
  if (typeof object.metadata.name !== 'string' && typeof object.metadata.generateName !== 'string') return 'has neither metadata.name nor metadata.generateName';
  return undefined;
}

/** `groupResource namespace/name` of the object as it will be applied; undefined for generateName objects. */
function identity(item: TransformItem): string | undefined {
  const { name, namespace } = item.object.metadata;
  if (!name) return undefined;
  return `${item.groupResource} ${namespace ? `${namespace}/` : ''}${name}`;
}
