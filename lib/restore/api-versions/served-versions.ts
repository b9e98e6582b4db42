import { splitApiVersion } from '../../model/object.js';

/** What a target serves of one API group. */
export interface ServedGroup {
  /** The version the target prefers for the group. */
  preferredVersion: string;
  /** Each served version with the kinds it serves; `null` when its kinds are not known (any kind). */
  versions: Record<string, readonly string[] | null>;
  /**
   * Every kind the source knows of in this group, served or not (the offline table); a kind outside it is
   * unknown rather than not served. Absent for discovery, which lists the group exhaustively.
   */
  knownKinds?: readonly string[];
}

/**
 * The API groups, versions and kinds a target serves, from discovery at restore time or from the built-in
 * table of a Kubernetes minor offline. A group that is not listed is unknown, not "not served".
 */
export interface ServedVersions {
  /** Where the list comes from, for messages: `discovery`, `Kubernetes 1.25`. */
  source: string;
  /** By group name; the core group is `""`. */
  groups: Record<string, ServedGroup>;
}

/** One served group version as discovery lists it. */
export interface DiscoveredGroupVersion {
  group: string;
  version: string;
  /** The kinds of the version's resources, when listed. */
  kinds?: readonly string[];
  /** True for the group's preferred version. */
  preferred?: boolean;
}

/** Builds ServedVersions from discovery's group versions; without a preferred flag, the highest version wins. */
export function servedVersionsFromDiscovery(list: readonly DiscoveredGroupVersion[], source = 'discovery'): ServedVersions {
  const groups: Record<string, ServedGroup> = {};
  for (const gv of list) {
    const g = (groups[gv.group] ??= { preferredVersion: '', versions: {} });
    g.versions[gv.version] = gv.kinds ? [...new Set([...(g.versions[gv.version] ?? []), ...gv.kinds])] : null;
    if (gv.preferred) g.preferredVersion = gv.version;
  }
  for (const g of Object.values(groups)) {
    if (!g.preferredVersion) g.preferredVersion = Object.keys(g.versions).sort(compareVersions)[0]!;
  }
  return { source, groups };
}

/**
 * Whether the target serves `kind` at `apiVersion`: true, false, or undefined when the target's list says
 * nothing about that group or kind (a custom resource whose CRD comes with the restore, a kind newer than
 * the built-in table).
 */
export function servesKind(served: ServedVersions, apiVersion: string, kind: string): boolean | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const g = served.groups[group];
  if (!g) return undefined;
  const kinds = g.versions[version];
  if (kinds === null) return true;
  if (kinds !== undefined) {
    if (kinds.includes(kind)) return true;
  }
  if (g.knownKinds && !g.knownKinds.includes(kind)) return undefined;
  return false;
}

/** The target's preferred version of a group, when the group is known. */
export function preferredVersionOf(served: ServedVersions, group: string): string | undefined {
  return served.groups[group]?.preferredVersion;
}

/**
 * Orders Kubernetes versions the way the API server does: GA before beta before alpha, then higher numbers
 * first (`v2`, `v1`, `v2beta1`, `v1beta2`, `v1beta1`, `v1alpha1`); other strings last, alphabetically.
 */
export function compareVersions(a: string, b: string): number {
  const ka = versionKey(a);
  const kb = versionKey(b);
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return (ka[i] as number) < (kb[i] as number) ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function versionKey(v: string): [number, number, number] {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return [3, 0, 0];
  const stability = m[2] === undefined ? 0 : m[2] === 'beta' ? 1 : 2;
  return [stability, -Number(m[1]), -Number(m[3] ?? 0)];
}
