/**
 * Velero's per-run problem record: messages for the run itself (`velero`), for cluster-scoped
 * objects (`cluster`) and for namespaced objects, grouped by namespace.
 */
export interface Result {
  velero?: string[];
  cluster?: string[];
  namespaces?: Record<string, string[]>;
}

/** Warnings and errors of one run, in the shape of Velero's `<name>-results.gz`. */
export interface RunResults {
  warnings: Result;
  errors: Result;
}

/** An empty RunResults. */
export function emptyResults(): RunResults {
  return { warnings: {}, errors: {} };
}

/** Adds a message for an object in `namespace` (`""` for cluster-scoped), or for the run when namespace is undefined. */
export function addMessage(result: Result, namespace: string | undefined, message: string): void {
  if (namespace === undefined) (result.velero ??= []).push(message);
  else if (namespace === '') (result.cluster ??= []).push(message);
  else ((result.namespaces ??= {})[namespace] ??= []).push(message);
}

/** How many messages a Result holds. */
export function countMessages(result: Result): number {
  return (result.velero?.length ?? 0) + (result.cluster?.length ?? 0)
    + Object.values(result.namespaces ?? {}).reduce((n, list) => n + list.length, 0);
}

/** Merges `from` into `into`, keeping order. */
export function mergeResult(into: Result, from: Result): void {
  for (const m of from.velero ?? []) addMessage(into, undefined, m);
  for (const m of from.cluster ?? []) addMessage(into, '', m);
  for (const [ns, list] of Object.entries(from.namespaces ?? {})) for (const m of list) addMessage(into, ns, m);
}
