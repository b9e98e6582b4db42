import { isRecord } from '../model/object.js';
import { parseSingleDocument } from './documents.js';
import { parseLabelSelector, type LabelSelector } from './label-selector.js';
import { joinPath, ProblemCollector } from './problems.js';
import {
  checkNamespaceName, checkObjectName, checkQualifiedKey, describeValue, readBoolean, readNamespaceGlobs, readObjectMetadata,
  readResourceList, readString,
  readStringList, readStringMap, rejectUnknownFields,
} from './restore-fields.js';

/** The API versions and kinds a restore spec may be written in. */
export const RESTORE_SPEC_TYPES: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'csdr.alibabacloud.com/v1beta1', kind: 'ApplicationRestore' },
  { apiVersion: 'ferry.dev/v1', kind: 'ApplicationRestore' },
  { apiVersion: 'velero.io/v1', kind: 'Restore' },
];

/**
 * Resources Velero never restores; naming one in includedResources is a spec error (Velero's
 * nonRestorableResources).
 */
export const NON_RESTORABLE_RESOURCES: readonly string[] = [
  'nodes', 'events', 'events.events.k8s.io', 'backups.velero.io', 'restores.velero.io',
  'resticrepositories.velero.io', 'csinodes.storage.k8s.io', 'volumeattachments.storage.k8s.io',
  'backuprepositories.velero.io',
];

/** Annotations to set and to remove on every restored object of one kind (Services or Ingresses). */
export interface AnnotationRewrite {
  set: Record<string, string>;
  remove: string[];
}

/** Where the resource-modifier rules come from: a ConfigMap read at restore time, or rules written inline. */
export type ResourceModifierSource =
  | { kind: 'ConfigMap'; name: string; namespace?: string }
  | { inline: Record<string, unknown> };

/** How the PersistentVolumes of one FlexVolume driver become CSI volumes. */
export interface FlexVolumeDriverMapping {
  /** The CSI driver name, such as `diskplugin.csi.alibabacloud.com`. */
  driver: string;
  /** The FlexVolume option whose value becomes `volumeHandle`; the PV's name when absent. */
  volumeHandleOption?: string;
  /** FlexVolume option name to CSI volume attribute name; every option is copied as is when absent. */
  attributes?: Record<string, string>;
}

/** A validated ApplicationRestore or Velero Restore: what to restore and how to change it on the way. */
export interface RestoreSpec {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  backupName?: string;
  scheduleName?: string;
  includedNamespaces: string[];
  excludedNamespaces: string[];
  includedResources: string[];
  excludedResources: string[];
  /** true: all cluster-scoped objects; false: none; undefined: only when every namespace is included (Velero). */
  includeClusterResources?: boolean;
  labelSelector?: LabelSelector;
  orLabelSelectors?: LabelSelector[];
  namespaceMapping: Record<string, string>;
  storageClassMapping: Record<string, string>;
  imageRegistryMapping: Record<string, string>;
  serviceAnnotations?: AnnotationRewrite;
  ingressAnnotations?: AnnotationRewrite;
  ingressClassMapping: Record<string, string>;
  preserveNodePorts: boolean;
  /** Resources whose status is restored; undefined restores no status. */
  restoreStatus?: { includedResources: string[]; excludedResources: string[] };
  existingResourcePolicy: 'none' | 'update';
  resourceModifier?: ResourceModifierSource;
  targetCluster?: string;
  dryRun: boolean;
  restorePVs?: boolean;
  /** Extra or overriding FlexVolume-to-CSI driver mappings, by FlexVolume driver name. */
  flexVolumeDrivers: Record<string, FlexVolumeDriverMapping>;
  /** Ferry: CSI driver of the backup's snapshots to the target's driver that restores them. */
  csiDriverMapping?: Record<string, string>;
  /** Velero restore hooks, kept as written (Ferry does not run them yet). */
  hooks?: Record<string, unknown>;
  itemOperationTimeout?: string;
  uploaderConfig?: Record<string, unknown>;
  /**
   * Ferry: restore Roles and ClusterRoles that grant wildcard rules, escalate, bind or impersonate (or aggregate
   * others), and bindings to them or to cluster-admin. false (the default) skips them with a warning.
   */
  restorePrivilegedRBAC: boolean;
}

const TOP_LEVEL = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const SPEC_FIELDS = ['backupName', 'scheduleName', 'includedNamespaces', 'excludedNamespaces', 'includedResources',
  'excludedResources', 'includeClusterResources', 'labelSelector', 'orLabelSelectors', 'namespaceMapping',
  'storageClassMapping', 'imageRegistryMapping', 'serviceAnnotations', 'ingressAnnotations', 'ingressClassMapping',
  'preserveNodePorts', 'restoreStatus', 'existingResourcePolicy', 'resourceModifier', 'targetCluster', 'dryRun',
  'restorePVs', 'flexVolumeDrivers', 'csiDriverMapping', 'hooks', 'itemOperationTimeout', 'uploaderConfig', 'restorePrivilegedRBAC'];
const DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
const IMAGE_PREFIX = /^[^\s@]+$/;

const imagePrefix = (v: string): string | undefined =>
  IMAGE_PREFIX.test(v) ? undefined : `expected an image prefix such as "registry.example.com/team" (no spaces, no "@"), got ${JSON.stringify(v)}`;

/**
 * Validates one parsed document as an ApplicationRestore or Velero Restore. Throws a SpecError naming
 * every problem, each with its field path; unknown fields are problems too.
 */
export function parseRestoreSpec(doc: unknown, label: string): RestoreSpec {
  const problems = new ProblemCollector(label);
  const spec = readRestoreSpec(doc, problems);
  problems.throwIfAny();
  return spec!;
}

/**
 * Parses a YAML or JSON text holding exactly one restore spec; problems carry their line and column.
 * Throws SpecError.
 */
export function parseRestoreSpecText(text: string, source: string): RestoreSpec {
  return parseSingleDocument(text, source, 'restore', parseRestoreSpec);
}

function readRestoreSpec(doc: unknown, problems: ProblemCollector): RestoreSpec | undefined {
  if (!isRecord(doc)) {
    problems.add('', `expected an ApplicationRestore or Restore object, got ${describeValue(doc)}`);
    return undefined;
  }
  rejectUnknownFields(doc, TOP_LEVEL, '', problems);
  const type = RESTORE_SPEC_TYPES.find((t) => t.apiVersion === doc.apiVersion && t.kind === doc.kind);
  if (!type) {
    problems.add(doc.apiVersion === undefined ? 'apiVersion' : 'kind', `expected one of ${RESTORE_SPEC_TYPES
      .map((t) => `${t.apiVersion} ${t.kind}`).join(', ')}; got ${describeValue(doc.apiVersion)} ${describeValue(doc.kind)}`);
  }
  const meta = readObjectMetadata(doc.metadata, problems, 'the restore needs a name (it labels every restored object)');
  const raw = doc.spec;
  if (!isRecord(raw)) {
    problems.add('spec', `expected an object, got ${describeValue(raw)}`);
    return undefined;
  }
  rejectUnknownFields(raw, SPEC_FIELDS, 'spec', problems);
  const at = (field: string): string => joinPath('spec', field);
  const list = (field: string, read: typeof readResourceList): string[] => read(raw[field], at(field), problems) ?? [];

  const spec: RestoreSpec = {
    apiVersion: String(doc.apiVersion), kind: String(doc.kind), name: meta.name ?? '', namespace: meta.namespace,
    backupName: readString(raw.backupName, at('backupName'), problems),
    scheduleName: readString(raw.scheduleName, at('scheduleName'), problems),
    includedNamespaces: list('includedNamespaces', readNamespaceGlobs),
    excludedNamespaces: list('excludedNamespaces', readNamespaceGlobs),
    includedResources: list('includedResources', readResourceList),
    excludedResources: list('excludedResources', readResourceList),
    includeClusterResources: readBoolean(raw.includeClusterResources, at('includeClusterResources'), problems),
    labelSelector: parseLabelSelector(raw.labelSelector, at('labelSelector'), problems),
    orLabelSelectors: readSelectors(raw.orLabelSelectors, at('orLabelSelectors'), problems),
    namespaceMapping: readStringMap(raw.namespaceMapping, at('namespaceMapping'), problems, { key: checkNamespaceName, value: checkNamespaceName }) ?? {},
    storageClassMapping: readStringMap(raw.storageClassMapping, at('storageClassMapping'), problems, { key: checkObjectName, value: checkObjectName }) ?? {},
    imageRegistryMapping: readStringMap(raw.imageRegistryMapping, at('imageRegistryMapping'), problems, { key: imagePrefix, value: imagePrefix }) ?? {},
    serviceAnnotations: readAnnotationRewrite(raw.serviceAnnotations, at('serviceAnnotations'), problems),
    ingressAnnotations: readAnnotationRewrite(raw.ingressAnnotations, at('ingressAnnotations'), problems),
    ingressClassMapping: readStringMap(raw.ingressClassMapping, at('ingressClassMapping'), problems, { key: checkObjectName, value: checkObjectName }) ?? {},
    preserveNodePorts: readBoolean(raw.preserveNodePorts, at('preserveNodePorts'), problems) ?? false,
    restoreStatus: readRestoreStatus(raw.restoreStatus, at('restoreStatus'), problems),
    existingResourcePolicy: readPolicy(raw.existingResourcePolicy, at('existingResourcePolicy'), problems),
    resourceModifier: readModifierSource(raw.resourceModifier, at('resourceModifier'), problems),
    targetCluster: readString(raw.targetCluster, at('targetCluster'), problems),
    dryRun: readBoolean(raw.dryRun, at('dryRun'), problems) ?? false,
    restorePVs: readBoolean(raw.restorePVs, at('restorePVs'), problems),
    flexVolumeDrivers: readFlexDrivers(raw.flexVolumeDrivers, at('flexVolumeDrivers'), problems),
    ...optionalMap('csiDriverMapping', readStringMap(raw.csiDriverMapping, at('csiDriverMapping'), problems, { key: checkObjectName, value: checkObjectName })),
    hooks: readObject(raw.hooks, at('hooks'), problems),
    itemOperationTimeout: readString(raw.itemOperationTimeout, at('itemOperationTimeout'), problems),
    uploaderConfig: readObject(raw.uploaderConfig, at('uploaderConfig'), problems),
    restorePrivilegedRBAC: readBoolean(raw.restorePrivilegedRBAC, at('restorePrivilegedRBAC'), problems) ?? false,
  };
  checkCrossField(spec, raw, problems);
  return spec;
}

function optionalMap<K extends string>(field: K, value: Record<string, string> | undefined): { [F in K]?: Record<string, string> } {
  return (value ? { [field]: value } : {}) as { [F in K]?: Record<string, string> };
}

function readSelectors(value: unknown, path: string, problems: ProblemCollector): LabelSelector[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    problems.add(path, `expected a list of label selectors, got ${describeValue(value)}`);
    return undefined;
  }
  return value.flatMap((entry, i) => parseLabelSelector(entry, joinPath(path, i), problems) ?? []);
}

function readAnnotationRewrite(value: unknown, path: string, problems: ProblemCollector): AnnotationRewrite | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    problems.add(path, `expected an object with "set" (a map of annotations) and/or "remove" (a list of keys), got ${describeValue(value)}`);
    return undefined;
  }
  rejectUnknownFields(value, ['set', 'remove'], path, problems);
  const set = readStringMap(value.set, joinPath(path, 'set'), problems, { key: checkQualifiedKey, allowEmptyValue: true }) ?? {};
  const remove = readStringList(value.remove, joinPath(path, 'remove'), problems, checkQualifiedKey) ?? [];
  remove.forEach((key, i) => {
    if (key in set) problems.add(joinPath(path, 'remove', i), `annotation "${key}" is both set and removed`);
  });
  return { set, remove };
}

function readRestoreStatus(value: unknown, path: string, problems: ProblemCollector): RestoreSpec['restoreStatus'] {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    problems.add(path, `expected an object with includedResources and/or excludedResources, got ${describeValue(value)}`);
    return undefined;
  }
  rejectUnknownFields(value, ['includedResources', 'excludedResources'], path, problems);
  const includedResources = readResourceList(value.includedResources, joinPath(path, 'includedResources'), problems) ?? [];
  const excludedResources = readResourceList(value.excludedResources, joinPath(path, 'excludedResources'), problems) ?? [];
  checkIncludesExcludes(includedResources, excludedResources, path, 'Resources', problems);
  return { includedResources, excludedResources };
}

function readPolicy(value: unknown, path: string, problems: ProblemCollector): 'none' | 'update' {
  if (value === undefined || value === null || value === '' || value === 'none') return 'none';
  if (value === 'update') return 'update';
  problems.add(path, `expected "none" or "update", got ${describeValue(value)}`);
  return 'none';
}

function readModifierSource(value: unknown, path: string, problems: ProblemCollector): ResourceModifierSource | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    problems.add(path, `expected {kind: ConfigMap, name} or inline rules {version: v1, resourceModifierRules}, got ${describeValue(value)}`);
    return undefined;
  }
  if ('resourceModifierRules' in value || 'version' in value) {
    rejectUnknownFields(value, ['version', 'resourceModifierRules'], path, problems);
    if (!Array.isArray(value.resourceModifierRules)) problems.add(joinPath(path, 'resourceModifierRules'), 'expected a list of rules');
    return { inline: value };
  }
  rejectUnknownFields(value, ['apiGroup', 'kind', 'name', 'namespace'], path, problems);
  if (value.kind !== 'ConfigMap') problems.add(joinPath(path, 'kind'), `expected "ConfigMap", got ${describeValue(value.kind)}`);
  if (value.apiGroup !== undefined && value.apiGroup !== null && value.apiGroup !== '') {
    problems.add(joinPath(path, 'apiGroup'), `expected "" (the core group of ConfigMap), got ${describeValue(value.apiGroup)}`);
  }
  const name = readString(value.name, joinPath(path, 'name'), problems);
  if (value.name === undefined) problems.add(joinPath(path, 'name'), 'required: the name of the ConfigMap holding the rules');
  const namespace = readString(value.namespace, joinPath(path, 'namespace'), problems);
  if (namespace !== undefined && checkNamespaceName(namespace)) problems.add(joinPath(path, 'namespace'), checkNamespaceName(namespace)!);
  if (name === undefined || value.kind !== 'ConfigMap') return undefined;
  return namespace === undefined ? { kind: 'ConfigMap', name } : { kind: 'ConfigMap', name, namespace };
}

function readFlexDrivers(value: unknown, path: string, problems: ProblemCollector): Record<string, FlexVolumeDriverMapping> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    problems.add(path, `expected a map of FlexVolume driver names to {driver, volumeHandleOption, attributes}, got ${describeValue(value)}`);
    return {};
  }
  const out: Record<string, FlexVolumeDriverMapping> = {};
  for (const [flexDriver, raw] of Object.entries(value)) {
    const at = joinPath(path, flexDriver);
    if (!isRecord(raw)) {
      problems.add(at, `expected {driver, volumeHandleOption, attributes}, got ${describeValue(raw)}`);
      continue;
    }
    rejectUnknownFields(raw, ['driver', 'volumeHandleOption', 'attributes'], at, problems);
    const driver = readString(raw.driver, joinPath(at, 'driver'), problems);
    if (raw.driver === undefined) problems.add(joinPath(at, 'driver'), 'required: the CSI driver name');
    const volumeHandleOption = readString(raw.volumeHandleOption, joinPath(at, 'volumeHandleOption'), problems);
    const attributes = readStringMap(raw.attributes, joinPath(at, 'attributes'), problems);
    if (driver === undefined) continue;
    out[flexDriver] = { driver, ...(volumeHandleOption ? { volumeHandleOption } : {}), ...(attributes ? { attributes } : {}) };
  }
  return out;
}

function readObject(value: unknown, path: string, problems: ProblemCollector): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) {
    problems.add(path, `expected an object, got ${describeValue(value)}`);
    return undefined;
  }
  return value;
}

function checkCrossField(spec: RestoreSpec, raw: Record<string, unknown>, problems: ProblemCollector): void {
  if (spec.backupName && spec.scheduleName) {
    problems.add('spec.scheduleName', 'give either backupName or scheduleName, not both');
  } else if (!spec.backupName && !spec.scheduleName && raw.backupName === undefined && raw.scheduleName === undefined) {
    problems.add('spec.backupName', 'required: the backup to restore (or, for a Velero Restore, scheduleName)');
  }
  checkIncludesExcludes(spec.includedNamespaces, spec.excludedNamespaces, 'spec', 'Namespaces', problems);
  checkIncludesExcludes(spec.includedResources, spec.excludedResources, 'spec', 'Resources', problems);
  spec.includedResources.forEach((r, i) => {
    if (NON_RESTORABLE_RESOURCES.includes(r.toLowerCase())) problems.add(joinPath('spec', 'includedResources', i), `${r} cannot be restored`);
  });
  if (raw.labelSelector != null && raw.orLabelSelectors != null) {
    problems.add('spec.orLabelSelectors', 'give either labelSelector or orLabelSelectors, not both');
  }
  if (spec.itemOperationTimeout !== undefined && !DURATION.test(spec.itemOperationTimeout)) {
    problems.add('spec.itemOperationTimeout', `expected a duration such as "4h" or "1h30m", got ${JSON.stringify(spec.itemOperationTimeout)}`);
  }
}

/** Velero's rules for an include/exclude pair: `*` alone, never excluded, and no entry in both lists. */
function checkIncludesExcludes(included: string[], excluded: string[], path: string, word: string, problems: ProblemCollector): void {
  if (included.length > 1 && included.includes('*')) {
    problems.add(joinPath(path, `included${word}`), 'give either "*" alone or a list of names');
  }
  excluded.forEach((entry, i) => {
    if (entry === '*') problems.add(joinPath(path, `excluded${word}`, i), '"*" cannot be excluded');
    else if (included.includes(entry)) problems.add(joinPath(path, `excluded${word}`, i), `"${entry}" is both included and excluded`);
  });
}
