import { stringify } from 'yaml';
import type { Cluster } from '../kube/cluster.js';
import type { ResourceModifierSource } from '../spec/restore-spec.js';
import { parseResourceModifiers, parseResourceModifiersConfigMap, type ResourceModifiers } from './modifiers/index.js';

/** Thrown when the restore names modifier rules that cannot be found. */
export class ModifierSourceError extends Error {
  override name = 'ModifierSourceError';
}

/**
 * Loads and validates the restore's resource-modifier rules: a ConfigMap read from the target cluster (in
 * the namespace the source names, else the restore's own namespace, else `defaultNamespace`), or inline rules.
 * Invalid rules throw SpecError with every problem.
 */
export async function loadModifiers(
  source: ResourceModifierSource | undefined,
  cluster: Pick<Cluster, 'read'>,
  namespaces: { restoreNamespace?: string; defaultNamespace: string },
): Promise<ResourceModifiers | undefined> {
  if (!source) return undefined;
  if ('inline' in source) return parseResourceModifiers(stringify(source.inline), 'spec.resourceModifier');
  const namespace = source.namespace ?? namespaces.restoreNamespace ?? namespaces.defaultNamespace;
  const configMap = await cluster.read('v1', 'ConfigMap', source.name, namespace);
  if (!configMap) {
    throw new ModifierSourceError(`spec.resourceModifier names ConfigMap ${namespace}/${source.name}, which does not exist in the target cluster`);
  }
  return parseResourceModifiersConfigMap(configMap, `ConfigMap ${namespace}/${source.name}`);
}
