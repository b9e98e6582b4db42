import { isRecord } from '../../model/object.js';
import type { BackupTemplate } from '../../spec/backup-spec.js';
import { parseGoDuration } from '../../spec/schedule.js';

/** Velero's default csiSnapshotTimeout: how long one snapshot may take to become ready. */
export const DEFAULT_CSI_SNAPSHOT_TIMEOUT_MS = 10 * 60_000;

/** The resources a PvBackup holds: the claims and their volumes (the snapshot records go beside the tarball). */
export const PV_BACKUP_RESOURCES: readonly string[] = ['persistentvolumeclaims', 'persistentvolumes'];

/** How a backup treats volume data, read from the spec. */
export interface VolumeBackupOptions {
  /** True when the selected claims are snapshotted. */
  snapshot: boolean;
  /** Why volumes are not snapshotted although the backup type asks for it (a warning), when so. */
  disabledReason?: string;
  /** Milliseconds one snapshot may take to become ready (csiSnapshotTimeout). */
  timeoutMs: number;
  /** VolumeSnapshotClass names the spec gives per CSI driver (pvBackup.volumeSnapshotClasses). */
  classByDriver: Record<string, string>;
  /** Problems with the volume fields: each becomes a warning and the field is ignored. */
  problems: string[];
}

/**
 * Reads the volume settings: AppAndPvBackup, PvBackup or `pvBackup.defaultPvBackup: true` snapshot the
 * selected claims, unless `snapshotVolumes: false` says otherwise; csiSnapshotTimeout (default 10m);
 * `pvBackup.volumeSnapshotClasses` (Ferry's) maps a driver to the class to snapshot its volumes with.
 */
export function volumeBackupOptions(spec: Pick<BackupTemplate, 'backupType' | 'volumeOptions'>): VolumeBackupOptions {
  const options = spec.volumeOptions;
  const pvBackup = isRecord(options.pvBackup) ? options.pvBackup : {};
  const problems: string[] = [];
  const asked = spec.backupType !== 'AppBackup' || pvBackup.defaultPvBackup === true;
  const refused = options.snapshotVolumes === false;
  let timeoutMs = DEFAULT_CSI_SNAPSHOT_TIMEOUT_MS;
  if (typeof options.csiSnapshotTimeout === 'string') {
    const ms = parseGoDuration(options.csiSnapshotTimeout);
    if (ms !== undefined && ms > 0) timeoutMs = ms;
  }
  const classByDriver: Record<string, string> = {};
  const classes = pvBackup.volumeSnapshotClasses;
  if (isRecord(classes)) {
    for (const [driver, name] of Object.entries(classes)) {
      if (typeof name === 'string' && name) classByDriver[driver] = name;
      else problems.push(`pvBackup.volumeSnapshotClasses.${driver}: expected a VolumeSnapshotClass name, got ${JSON.stringify(name)}; ignored`);
    }
  } else if (classes !== undefined) {
    problems.push('pvBackup.volumeSnapshotClasses: expected a map of CSI driver names to VolumeSnapshotClass names; ignored');
  }
  return {
    snapshot: asked && !refused,
    ...(asked && refused ? { disabledReason: `backupType ${spec.backupType} asks for volume data but snapshotVolumes is false: no volume is snapshotted` } : {}),
    timeoutMs, classByDriver, problems,
  };
}

/**
 * The template a backup lists with: a PvBackup keeps only claims and volumes (within the user's own resource
 * filter); other types are returned unchanged.
 */
export function listingTemplate<T extends BackupTemplate>(spec: T): T {
  if (spec.backupType !== 'PvBackup') return spec;
  const excluded = new Set(spec.excludedResources);
  const included = spec.includedResources.length === 0 || spec.includedResources.includes('*')
    ? PV_BACKUP_RESOURCES
    : PV_BACKUP_RESOURCES.filter((r) => spec.includedResources.includes(r));
  const kept = included.filter((r) => !excluded.has(r));
  // An empty include list means "everything" to the planner: a resource that cannot exist keeps it empty.
  return { ...spec, includedResources: kept.length > 0 ? [...kept] : ['nothing.ferry.dev'], excludedResources: [] };
}
