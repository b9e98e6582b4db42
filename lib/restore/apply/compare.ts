import { isRecord, type KubeObject } from '../../model/object.js';

/** Metadata the server owns; never compared and never sent in an update. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'selfLink', 'managedFields',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'ownerReferences'];

/**
 * The path of the first field the desired object sets differently from the live one, or undefined when every
 * field it sets matches. Fields only the live object has (server defaults, controller additions) do not count;
 * `status` and server metadata are ignored.
 */
export function firstDifference(desired: KubeObject, live: KubeObject): string | undefined {
  for (const [key, value] of Object.entries(desired)) {
    if (key === 'status' || key === 'apiVersion' || key === 'kind') continue;
    if (key === 'metadata') {
      for (const [mk, mv] of Object.entries(desired.metadata)) {
        if (SERVER_METADATA.includes(mk)) continue;
        const diff = subsetDiff(mk === 'labels' ? withoutRestoreLabels(mv) : mv, live.metadata?.[mk], `metadata.${mk}`);
        if (diff) return diff;
      }
      continue;
    }
    const diff = subsetDiff(value, live[key], key);
    if (diff) return diff;
  }
  return undefined;
}

// An object restored earlier carries that restore's and that backup's names: that alone is no difference (Velero too).
function withoutRestoreLabels(labels: unknown): unknown {
  if (!isRecord(labels)) return labels;
  const { 'velero.io/restore-name': _restore, 'velero.io/backup-name': _backup, ...rest } = labels;
  return rest;
}

function subsetDiff(want: unknown, have: unknown, path: string): string | undefined {
  if (isRecord(want)) {
    if (!isRecord(have)) return Object.keys(want).length === 0 && have === undefined ? undefined : path;
    for (const [k, v] of Object.entries(want)) {
      const d = subsetDiff(v, have[k], `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) return path;
    for (let i = 0; i < want.length; i++) {
      const d = subsetDiff(want[i], have[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  // NOTE: the API server normalises quantities ("1Gi" stays, "1024Mi" stays), so strings compare exactly.
  return want === have || (want === null && have === undefined) ? undefined : path;
}

/** The desired object as a merge patch for an update: server metadata and status removed. */
export function updatePatch(desired: KubeObject): Record<string, unknown> {
  const { status: _status, ...rest } = desired;
  const metadata = Object.fromEntries(Object.entries(desired.metadata).filter(([k]) => !SERVER_METADATA.includes(k) && k !== 'name' && k !== 'namespace'));
  return { ...rest, metadata };
}
