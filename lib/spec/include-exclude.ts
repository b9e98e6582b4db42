import { compileGlob, type Glob } from './glob.js';

/**
 * Velero's include/exclude rule for namespaces: an empty include list or `*` includes everything,
 * entries are globs, and an exclude always wins over an include.
 */
export function namespaceFilter(included: readonly string[] = [], excluded: readonly string[] = []): (namespace: string) => boolean {
  const inc = compileAll(included);
  const exc = compileAll(excluded);
  const includeAll = included.length === 0 || included.includes('*');
  return (namespace) => {
    if (exc.some((g) => g.test(namespace))) return false;
    return includeAll || inc.some((g) => g.test(namespace));
  };
}

/**
 * Velero's include/exclude rule for resources. An entry is `resource`, `resource.group` or `*`; a bare
 * resource name matches that resource in any group (`deployments` matches `deployments.apps`).
 * `groupResource` is `resource.group`, or just `resource` for the core group.
 */
export function resourceFilter(included: readonly string[] = [], excluded: readonly string[] = []): (groupResource: string) => boolean {
  const includeAll = included.length === 0 || included.includes('*');
  return (groupResource) => {
    if (excluded.some((e) => matchesResourceEntry(e, groupResource))) return false;
    return includeAll || included.some((e) => matchesResourceEntry(e, groupResource));
  };
}

/** True when a user's resource entry names `groupResource`. */
export function matchesResourceEntry(entry: string, groupResource: string): boolean {
  const e = entry.toLowerCase();
  if (e === '*') return true;
  if (e === groupResource) return true;
  const dot = groupResource.indexOf('.');
  const resource = dot < 0 ? groupResource : groupResource.slice(0, dot);
  // A bare entry ("deployments") names the resource in whatever group serves it.
  return !e.includes('.') && e === resource;
}

function compileAll(patterns: readonly string[]): Glob[] {
  return patterns.filter((p) => p !== '*').map((p) => compileGlob(p));
}
