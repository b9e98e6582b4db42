/**
 * Which backed-up claims have their data moved into the bucket, from the spec and the backed-up pods. Pure.
 *
 * - ACK's and Ferry's specs: `backupType: AppAndPvBackup` or `PvBackup`, or `pvBackup.defaultPvBackup: true`, move
 *   every selected claim's data; `pvBackup.moveData: false` (Ferry's own field) keeps only CSI snapshot references
 *   instead, for restores onto the same storage.
 * - Velero's: `defaultVolumesToFsBackup` (or the older `defaultVolumesToRestic`) moves the claims of every backed-up
 *   pod except the volumes its `backup.velero.io/backup-volumes-excludes` annotation names; `snapshotMoveData` moves
 *   every selected claim; otherwise only claims named (by pod volume name) in a pod's `backup.velero.io/backup-volumes`
 *   annotation, and the others keep Velero's snapshot behaviour.
 */
import { isRecord, type KubeObject } from '../model/object.js';

/** Velero's pod annotation naming the volumes to back up with the file-system mover. */
export const BACKUP_VOLUMES_ANNOTATION = 'backup.velero.io/backup-volumes';
/** Velero's pod annotation naming the volumes not to back up when file-system backup is the default. */
export const BACKUP_VOLUMES_EXCLUDES_ANNOTATION = 'backup.velero.io/backup-volumes-excludes';

/** The parts of a backup spec the choice reads. */
export interface MoveSpec {
  apiVersion: string;
  backupType: string;
  volumeOptions: Record<string, unknown>;
}

/** The claims (`namespace/name`, sorted) whose data is moved, and problems with the spec's fields (warnings). */
export interface MoveChoice {
  claims: string[];
  problems: string[];
  /** True when a Velero field or a pod annotation asked for the move (not only ACK's default for its backup types). */
  explicit: boolean;
}

/** Chooses the claims to move among the backed-up `claims` (`namespace/name`), given the backed-up pods. */
export function claimsToMove(spec: MoveSpec, claims: readonly string[], pods: readonly KubeObject[]): MoveChoice {
  const options = spec.volumeOptions;
  const pvBackup = isRecord(options.pvBackup) ? options.pvBackup : {};
  const problems: string[] = [];
  if (pvBackup.moveData !== undefined && typeof pvBackup.moveData !== 'boolean') {
    problems.push(`pvBackup.moveData: expected true or false, got ${JSON.stringify(pvBackup.moveData)}; ignored`);
  }
  const selected = new Set(claims);
  const chosen = new Set<string>();
  const velero = spec.apiVersion === 'velero.io/v1';
  const fsDefault = options.defaultVolumesToFsBackup === true || options.defaultVolumesToRestic === true;
  const all = velero
    ? options.snapshotMoveData === true
    : (spec.backupType !== 'AppBackup' || pvBackup.defaultPvBackup === true) && pvBackup.moveData !== false;
  if (all) for (const c of claims) chosen.add(c);
  let explicit = velero && all;
  for (const pod of pods) {
    const namespace = pod.metadata.namespace ?? '';
    const byVolume = podClaims(pod);
    const annotations = pod.metadata.annotations ?? {};
    const named = listOf(annotations[BACKUP_VOLUMES_ANNOTATION]);
    const excluded = new Set(listOf(annotations[BACKUP_VOLUMES_EXCLUDES_ANNOTATION]));
    const volumes = fsDefault ? [...byVolume.keys()].filter((v) => !excluded.has(v)) : named;
    for (const volume of volumes) {
      const claim = byVolume.get(volume);
      if (claim === undefined) {
        if (named.includes(volume)) problems.push(`Pod ${namespace}/${pod.metadata.name ?? ''}: ${BACKUP_VOLUMES_ANNOTATION} names volume ${volume}, which is not a claim of the pod: not moved`);
        continue;
      }
      const key = `${namespace}/${claim}`;
      if (selected.has(key)) {
        chosen.add(key);
        explicit = true;
      }
    }
  }
  return { claims: [...chosen].sort(), problems, explicit };
}

/** A pod's claim volumes: volume name to claim name. */
function podClaims(pod: KubeObject): Map<string, string> {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const out = new Map<string, string>();
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    if (!isRecord(v) || typeof v.name !== 'string' || !isRecord(v.persistentVolumeClaim)) continue;
    const claim = v.persistentVolumeClaim.claimName;
    if (typeof claim === 'string' && claim) out.set(v.name, claim);
  }
  return out;
}

function listOf(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** The node of a running pod mounting each claim (`namespace/name`), from the backed-up pods. */
export function consumerNodes(pods: readonly KubeObject[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const pod of pods) {
    const node = isRecord(pod.spec) && typeof pod.spec.nodeName === 'string' ? pod.spec.nodeName : undefined;
    const running = isRecord(pod.status) && pod.status.phase === 'Running';
    if (!node || !running) continue;
    for (const claim of podClaims(pod).values()) out.set(`${pod.metadata.namespace ?? ''}/${claim}`, node);
  }
  return out;
}
