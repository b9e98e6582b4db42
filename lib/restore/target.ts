import type { Discovery } from '../kube/cluster.js';
import { builtInResource, guessPlural, type ResourceInfo, type ResourceResolver } from '../model/resources.js';
import { splitApiVersion } from '../model/object.js';
import { servedVersionsFromDiscovery, type ServedVersions } from './api-versions/served-versions.js';

/** What the restore needs to know of the target from its discovery: served versions and resource names. */
export function targetFromDiscovery(discovery: Discovery): { served: ServedVersions; resolve: ResourceResolver } {
  const preferred = new Map(discovery.groups.map((g) => [g.name, g.preferredVersion]));
  const kinds = new Map<string, Set<string>>();
  for (const r of discovery.resources) {
    const key = `${r.group}/${r.version}`;
    if (!kinds.has(key)) kinds.set(key, new Set());
    kinds.get(key)!.add(r.kind);
  }
  const served = servedVersionsFromDiscovery(discovery.groups.flatMap((g) => g.versions.map((version) => ({
    group: g.name, version, kinds: [...(kinds.get(`${g.name}/${version}`) ?? [])], preferred: version === preferred.get(g.name),
  }))), `discovery of ${discovery.serverVersion}`);
  const byGroupKind = new Map<string, ResourceInfo>();
  for (const r of discovery.resources) {
    byGroupKind.set(`${r.group}/${r.kind}`, { resource: r.resource, group: r.group, kind: r.kind, namespaced: r.namespaced });
  }
  const resolve: ResourceResolver = (apiVersion, kind) => {
    const { group } = splitApiVersion(apiVersion);
    return byGroupKind.get(`${group}/${kind}`) ?? builtInResource(group, kind) ?? { resource: guessPlural(kind), group, kind, namespaced: true };
  };
  return { served, resolve };
}
