import { namespaceFilter, resourceFilter } from '../../spec/include-exclude.js';
import { matchesLabelSelector } from '../../spec/label-selector.js';
import type { RestoreSpec } from '../../spec/restore-spec.js';
import { asString, recordAt } from '../json-access.js';
import type { Stage, StageResult, TransformItem } from '../types.js';

// Stage 1: the restore's own include/exclude rules, as Velero applies them at restore time.

interface CompiledFilter {
  namespace: (ns: string) => boolean;
  resource: (gr: string) => boolean;
  includesEveryNamespace: boolean;
}

const compiled = new WeakMap<RestoreSpec, CompiledFilter>();

function compile(spec: RestoreSpec): CompiledFilter {
  let c = compiled.get(spec);
  if (!c) {
    const inc = spec.includedNamespaces;
    c = {
      namespace: namespaceFilter(inc, spec.excludedNamespaces),
      resource: resourceFilter(spec.includedResources, spec.excludedResources),
      includesEveryNamespace: spec.excludedNamespaces.length === 0 && (inc.length === 0 || (inc.length === 1 && inc[0] === '*')),
    };
    compiled.set(spec, c);
  }
  return c;
}

/** Keeps the item when the restore's namespace, resource and label rules select it. */
export function filterItem(item: TransformItem, spec: RestoreSpec): StageResult {
  const f = compile(spec);
  if (!f.resource(item.groupResource)) return { skip: `${item.groupResource} is not among the restore's resources` };
  const scope = scopeDecision(item, spec, f);
  if (scope) return { skip: scope };
  const labels = item.object.metadata.labels;
  if (spec.labelSelector && !matchesLabelSelector(spec.labelSelector, labels)) {
    return { skip: 'labels do not match the restore\'s labelSelector' };
  }
  if (spec.orLabelSelectors?.length && !spec.orLabelSelectors.some((s) => matchesLabelSelector(s, labels))) {
    return { skip: 'labels match none of the restore\'s orLabelSelectors' };
  }
  return { item };
}

/** Why the item's namespace or scope keeps it out, or undefined when it is in. */
function scopeDecision(item: TransformItem, spec: RestoreSpec, f: CompiledFilter): string | undefined {
  if (item.backupNamespace !== '') {
    return f.namespace(item.backupNamespace) ? undefined : `namespace ${item.backupNamespace} is not among the restore's namespaces`;
  }
  // NOTE: a Namespace object follows the namespace rules, not includeClusterResources (as in Velero).
  if (item.groupResource === 'namespaces') {
    const name = item.object.metadata.name ?? '';
    return f.namespace(name) ? undefined : `namespace ${name} is not among the restore's namespaces`;
  }
  if (spec.includeClusterResources === false) return 'cluster-scoped resources are excluded (includeClusterResources: false)';
  if (spec.includeClusterResources === true || f.includesEveryNamespace) return undefined;
  // Velero restores a PersistentVolume with the claim that binds it even when only some namespaces are restored.
  const claimNamespace = asString(recordAt(item.object, 'spec', 'claimRef')?.namespace);
  if (item.groupResource === 'persistentvolumes' && claimNamespace && f.namespace(claimNamespace)) return undefined;
  return 'cluster-scoped, and the restore selects only some namespaces (set includeClusterResources: true to restore it)';
}

/** Stage 1: restore-time filtering by namespace, resource and label selector. */
export const filterStage: Stage = { name: 'filter', run: (item, context) => filterItem(item, context.spec) };
