/**
 * Paths inside a backup tarball (Velero's archive layout), both directions:
 *   resources/<resource.group>/namespaces/<ns>/<name>.json
 *   resources/<resource.group>/cluster/<name>.json
 * and the same under resources/<resource.group>/<version>-preferredversion/...; metadata/version holds "1.1.0".
 */

/** The archive format version Ferry writes; readers accept any 1.x. */
export const ARCHIVE_FORMAT_VERSION = '1.1.0';
/** The entry holding the format version. */
export const VERSION_ENTRY = 'metadata/version';
/** Suffix of the folder that repeats every item at the group's preferred version. */
export const PREFERRED_VERSION_SUFFIX = '-preferredversion';

/** Where one object sits in the archive. */
export interface ItemPath {
  /** `deployments.apps`, or `pods` for the core group. */
  groupResource: string;
  /** `""` for cluster-scoped objects. */
  namespace: string;
  name: string;
  /** The `<version>` of a `<version>-preferredversion` folder, when the path is one. */
  preferredVersion?: string;
}

const SEGMENT = /^[A-Za-z0-9]([-A-Za-z0-9_.:]*[A-Za-z0-9])?$/;
const VERSION = /^v[0-9]+((alpha|beta)[0-9]+)?$/;

/** True when `s` is a safe single path segment: no slash, no `..`, no control characters, not `.`. */
export function isSafeSegment(s: string): boolean {
  return s.length > 0 && s.length <= 253 && SEGMENT.test(s) && !s.includes('..');
}

/** The archive path of an item; with `preferredVersion`, its copy in the preferred-version folder. */
export function itemPath(item: ItemPath): string {
  for (const s of [item.groupResource, item.name, ...(item.namespace ? [item.namespace] : [])]) {
    if (!isSafeSegment(s)) throw new RangeError(`unsafe archive path segment "${s}"`);
  }
  return itemFolder(item.groupResource, item.preferredVersion) + itemFile(item.namespace, item.name);
}

/**
 * The folder of a type's items, `resources/<gr>/`, or with `preferredVersion` its preferred-version copy's,
 * `resources/<gr>/<version>-preferredversion/`. Unchecked: itemPath checks the segments.
 */
export function itemFolder(groupResource: string, preferredVersion?: string): string {
  return `resources/${groupResource}/${preferredVersion ? `${preferredVersion}${PREFERRED_VERSION_SUFFIX}/` : ''}`;
}

/** An item's path inside its type's folder: `namespaces/<ns>/<name>.json`, or `cluster/<name>.json`. Unchecked. */
export function itemFile(namespace: string, name: string): string {
  return namespace ? `namespaces/${namespace}/${name}.json` : `cluster/${name}.json`;
}

/** Why an entry path was refused. */
export type PathProblem = { problem: string };

/**
 * Parses an archive entry path. Returns the item, `undefined` for entries that are not items
 * (metadata/, folders), or a problem for paths that are malformed or unsafe.
 */
export function parseItemPath(path: string): ItemPath | undefined | PathProblem {
  if (path.startsWith('/') || path.includes('\\') || path.includes('\0')) return { problem: `unsafe entry path "${path}"` };
  const parts = path.replace(/\/$/, '').split('/');
  if (parts.some((p) => p === '..' || p === '.' || p === '')) return { problem: `unsafe entry path "${path}"` };
  if (parts[0] !== 'resources') {
    return parts[0] === 'metadata' ? undefined : { problem: `entry "${path}" is outside resources/ and metadata/` };
  }
  if (path.endsWith('/') || parts.length < 3) return undefined;
  const [, groupResource, ...rest] = parts as [string, string, ...string[]];
  let preferredVersion: string | undefined;
  if (rest[0]?.endsWith(PREFERRED_VERSION_SUFFIX)) {
    preferredVersion = rest.shift()!.slice(0, -PREFERRED_VERSION_SUFFIX.length);
    if (!VERSION.test(preferredVersion)) return { problem: `entry "${path}" has a malformed version folder` };
  }
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length === 3) namespace = rest[1]!;
  else if (!(rest[0] === 'cluster' && rest.length === 2)) return { problem: `entry "${path}" is not resources/<group-resource>/(namespaces/<ns>|cluster)/<name>.json` };
  const file = rest[rest.length - 1]!;
  if (!file.endsWith('.json')) return { problem: `entry "${path}" is not a .json file` };
  const name = file.slice(0, -'.json'.length);
  for (const s of [groupResource, name, ...(namespace ? [namespace] : [])]) {
    if (!isSafeSegment(s)) return { problem: `entry "${path}" has an unsafe segment "${s}"` };
  }
  return { groupResource, namespace, name, ...(preferredVersion ? { preferredVersion } : {}) };
}

/** True when a parse result is a problem rather than an item. */
export function isPathProblem(r: ItemPath | undefined | PathProblem): r is PathProblem {
  return r !== undefined && 'problem' in r;
}
