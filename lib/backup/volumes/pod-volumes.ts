import { isRecord, type KubeObject } from '../../model/object.js';

/** Pod volume sources that only hand in configuration (restored from their own objects) or claims (snapshotted). */
const NOT_DATA = new Set(['configMap', 'secret', 'projected', 'downwardAPI', 'serviceAccountToken', 'persistentVolumeClaim', 'name']);

/**
 * Why each volume of a backed-up pod holds data the backup does not carry: hostPath, emptyDir, generic
 * ephemeral and inline volume sources cannot be snapshotted with CSI. One message per volume, naming it
 * and its source; none for configuration volumes and claims.
 */
export function podVolumeWarnings(pod: KubeObject): string[] {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const volumes = Array.isArray(spec.volumes) ? spec.volumes : [];
  const messages: string[] = [];
  for (const volume of volumes) {
    if (!isRecord(volume)) continue;
    const source = Object.keys(volume).find((k) => !NOT_DATA.has(k));
    if (!source) continue;
    messages.push(`Pod ${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}: volume ${String(volume.name)} (${source}) cannot be snapshotted with CSI: its data is not backed up`);
  }
  return messages;
}
