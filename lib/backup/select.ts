import type { ApiResource, Discovery } from '../kube/cluster.js';
import { compareStrings, groupResource, type KubeObject } from '../model/object.js';
import type { BackupTemplate } from '../spec/backup-spec.js';
import { namespaceFilter, matchesResourceEntry, resourceFilter } from '../spec/include-exclude.js';
import { formatLabelSelector, matchesLabelSelector, type LabelSelector } from '../spec/label-selector.js';
import { EXCLUDE_FROM_BACKUP_LABEL, neverBackedUpReason } from './never-backed-up.js';

/** One resource type to back up, at the version it is listed and written at. */
export interface ResourceType {
  resource: ApiResource;
  /** `deployments.apps`, `configmaps`. */
  groupResource: string;
}

/** The cluster-scoped types that related objects are read through; undefined where they are not backed up. */
export interface RelatedTypes {
  /** Namespace objects of the selected namespaces. */
  namespaces?: ResourceType;
  /** PersistentVolumes bound to backed-up PVCs. */
  persistentVolumes?: ResourceType;
  /** CustomResourceDefinitions of backed-up custom resources. */
  customResourceDefinitions?: ResourceType;
}

/** What a backup lists, decided from discovery and the spec before anything is read. */
export interface BackupPlan {
  /** Namespaced types, listed in `namespaces` (or cluster-wide and filtered, when undefined). */
  namespaced: ResourceType[];
  /** Cluster-scoped types listed whole (with the label selectors). */
  clusterScoped: ResourceType[];
  related: RelatedTypes;
  /** Concrete namespaces to list in, or undefined to list across all namespaces and filter with `includesNamespace`. */
  namespaces?: string[];
  includesNamespace: (namespace: string) => boolean;
  /** LIST label selectors: one entry per orLabelSelectors entry, `['']` when nothing is selected by label. */
  selectors: string[];
  /** The selectors as objects, for objects read one by one. */
  labelSelectors: LabelSelector[];
  /** Types left out by default, with the reason. */
  skipped: { groupResource: string; reason: string }[];
}

const GLOB_CHARS = /[*?[\]{}\\]/;

/**
 * Every served resource that can be listed, once, at its preferred version: the group's preferred version when
 * it serves the resource, else the first version that does (as the API server's preferred-resources discovery does).
 */
export function preferredResources(discovery: Discovery): ApiResource[] {
  const out = new Map<string, ApiResource>();
  for (const group of discovery.groups) {
    const versions = [group.preferredVersion, ...group.versions.filter((v) => v !== group.preferredVersion)];
    for (const version of versions) {
      for (const r of discovery.resources) {
        if (r.group !== group.name || r.version !== version || !r.verbs.includes('list')) continue;
        const key = groupResource(r.resource, r.group);
        if (!out.has(key)) out.set(key, r);
      }
    }
  }
  return [...out.values()];
}

/** True when the namespace include/exclude lists select every namespace (Velero's "all namespaces"). */
export function selectsAllNamespaces(t: Pick<BackupTemplate, 'includedNamespaces' | 'excludedNamespaces'>): boolean {
  return (t.includedNamespaces.length === 0 || t.includedNamespaces.includes('*')) && t.excludedNamespaces.length === 0;
}

/**
 * Decides which types to list and how. Cluster-scoped objects follow includeClusterResources:
 * true lists every cluster-scoped type; false backs up none (not even Namespace objects); unset (Velero's auto)
 * lists every cluster-scoped type when all namespaces are selected, and otherwise only the related objects
 * (Namespaces of selected namespaces, PVs of selected PVCs, CRDs of selected custom resources).
 * Related objects are added unless includeClusterResources is false, and only when the resource filter allows their type.
 */
export function planBackup(discovery: Discovery, spec: BackupTemplate): BackupPlan {
  const allowsResource = resourceFilter(spec.includedResources, spec.excludedResources);
  const skipped: BackupPlan['skipped'] = [];
  const allowed: ResourceType[] = [];
  for (const resource of preferredResources(discovery)) {
    const gr = groupResource(resource.resource, resource.group);
    if (!allowsResource(gr)) continue;
    const reason = neverBackedUpReason(gr);
    if (reason && !spec.includedResources.some((e) => e !== '*' && matchesResourceEntry(e, gr))) {
      skipped.push({ groupResource: gr, reason });
      continue;
    }
    allowed.push({ resource, groupResource: gr });
  }
  allowed.sort((a, b) => compareStrings(a.groupResource, b.groupResource));

  const wholeCluster = spec.includeClusterResources === true
    || (spec.includeClusterResources === undefined && selectsAllNamespaces(spec));
  const related: RelatedTypes = {};
  if (spec.includeClusterResources !== false) {
    const find = (gr: string) => allowed.find((t) => t.groupResource === gr && !t.resource.namespaced);
    related.namespaces = find('namespaces');
    related.persistentVolumes = find('persistentvolumes');
    related.customResourceDefinitions = find('customresourcedefinitions.apiextensions.k8s.io');
  }
  const labelSelectors = spec.orLabelSelectors ?? (spec.labelSelector ? [spec.labelSelector] : []);
  const concrete = spec.includedNamespaces.length > 0 && !spec.includedNamespaces.some((n) => GLOB_CHARS.test(n));
  const includesNamespace = namespaceFilter(spec.includedNamespaces, spec.excludedNamespaces);
  return {
    namespaced: allowed.filter((t) => t.resource.namespaced),
    // Namespace objects always go through the namespace filter, never a whole-cluster list.
    clusterScoped: wholeCluster ? allowed.filter((t) => !t.resource.namespaced && t.groupResource !== 'namespaces') : [],
    related,
    ...(concrete ? { namespaces: [...new Set(spec.includedNamespaces)].filter(includesNamespace).sort() } : {}),
    includesNamespace,
    selectors: labelSelectors.length > 0 ? labelSelectors.map(formatLabelSelector) : [''],
    labelSelectors,
    skipped,
  };
}

/** True when an object read one by one matches the plan's label selectors (any of them, or none set). */
export function matchesSelectors(plan: Pick<BackupPlan, 'labelSelectors'>, obj: KubeObject): boolean {
  return plan.labelSelectors.length === 0 || plan.labelSelectors.some((s) => matchesLabelSelector(s, obj.metadata.labels));
}

/** True when an object carries Velero's exclude-from-backup label set to "true". */
export function isExcludedByLabel(obj: KubeObject): boolean {
  return obj.metadata.labels?.[EXCLUDE_FROM_BACKUP_LABEL] === 'true';
}
