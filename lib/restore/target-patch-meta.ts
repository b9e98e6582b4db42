import type { Cluster, Discovery } from '../kube/cluster.js';
import { OpenApiPatchMeta } from './modifiers/openapi-patch-meta.js';
import type { PatchMeta } from './modifiers/index.js';

/** Where loading the target's metadata reports that it falls back to the built-in table. */
interface Log {
  warn(message: string, data?: Record<string, unknown>): void;
}

/** Kubernetes' own groups (the core group, a group without a dot, `*.k8s.io`): the ones the built-in table covers. */
export function isKubernetesGroup(group: string): boolean {
  return group === '' || !group.includes('.') || group.endsWith('.k8s.io');
}

/**
 * The strategic-merge metadata of the built-in kinds of `groups` as the target publishes it: the OpenAPI v3
 * documents of every version the target serves of those groups (the cluster adapter caches them per target).
 * Undefined, with a warning, when the target publishes none or they cannot be read: the built-in table is used.
 */
export async function loadTargetPatchMeta(cluster: Cluster, discovery: Discovery, groups: Iterable<string>, log?: Log)
  : Promise<((group: string, version: string, kind: string) => PatchMeta | undefined) | undefined> {
  if (!cluster.openApiV3) return undefined;
  const wanted = new Set([...groups].filter(isKubernetesGroup));
  const groupVersions = discovery.groups.filter((g) => wanted.has(g.name)).flatMap((g) => g.versions.map((v) => (g.name ? `${g.name}/${v}` : v)));
  if (groupVersions.length === 0) return undefined;
  try {
    const documents = await Promise.all(groupVersions.map((gv) => cluster.openApiV3!(gv)));
    const meta = new OpenApiPatchMeta(documents.filter((d) => d !== undefined));
    return (group, version, kind) => (isKubernetesGroup(group) ? meta.forKind(group, version, kind) : undefined);
  } catch (err) {
    log?.warn(`the target's OpenAPI v3 could not be read; strategic patches use Ferry's built-in merge keys: ${(err as Error).message}`, { error: err });
    return undefined;
  }
}
