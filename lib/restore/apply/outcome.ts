import { describeObject, type KubeObject } from '../../model/object.js';

/** What happened to one object. */
export type ItemStatus = 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';

/** The record of one object in a restore result. */
export interface ItemOutcome {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  status: ItemStatus;
  /** Why it was skipped, what differs, or the API server's message for a failure. */
  message?: string;
  /** Set when the outcome is a warning (skipped existing object that differs, validated elsewhere in a dry run). */
  warning?: boolean;
}

/** The outcome of the object whose key (itemKey) is `key`. */
export function outcomeOfKey(key: string, outcome: Pick<ItemOutcome, 'status' | 'message' | 'warning'>): ItemOutcome {
  // apiVersion/kind/namespace/name: names and namespaces hold no "/", an apiVersion may.
  const parts = key.split('/');
  const name = parts.pop()!;
  const namespace = parts.pop()!;
  const kind = parts.pop()!;
  return { apiVersion: parts.join('/'), kind, namespace, name, ...outcome };
}

/** The key of an object in checkpoints and results: `apiVersion/kind/namespace/name`. */
export function itemKey(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  return `${obj.apiVersion}/${obj.kind}/${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}`;
}

/** Builds an outcome for an object. */
export function outcomeFor(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, status: ItemStatus, message?: string, warning?: boolean): ItemOutcome {
  return {
    apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '',
    status, ...(message ? { message } : {}), ...(warning ? { warning } : {}),
  };
}

/** `created Deployment default1/web` style line for logs and the CLI. */
export function formatOutcome(o: ItemOutcome): string {
  const what = describeObject({ kind: o.kind, metadata: { name: o.name, namespace: o.namespace || undefined } });
  return `${o.status} ${what}${o.message ? `: ${o.message}` : ''}`;
}
