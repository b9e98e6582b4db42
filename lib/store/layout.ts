/**
 * The bucket layout, both directions (Velero's object-storage layout plus Ferry's manifest and catalog, the
 * catalog under `plugins/ferry/`, a folder Velero's location validation accepts).
 * Every key Ferry reads or writes is built here, and every key an event names is parsed here.
 */

/** The files of one backup, by role. */
export type BackupFile = 'backup' | 'tarball' | 'resourceList' | 'results' | 'logs' | 'manifest' | 'volumeSnapshots'
  | 'csiVolumeSnapshots' | 'csiVolumeSnapshotContents' | 'csiVolumeSnapshotClasses' | 'volumeData' | 'handOff' | 'podVolumeBackups';

/** Every backup file role, in the order they are written (the manifest last). */
export const BACKUP_FILES: readonly BackupFile[] = ['tarball', 'resourceList', 'results', 'logs', 'volumeSnapshots',
  'csiVolumeSnapshots', 'csiVolumeSnapshotContents', 'csiVolumeSnapshotClasses', 'volumeData', 'podVolumeBackups', 'backup', 'manifest'];

const fileNames: Record<BackupFile, (name: string) => string> = {
  backup: () => 'velero-backup.json',
  tarball: (n) => `${n}.tar.gz`,
  resourceList: (n) => `${n}-resource-list.json.gz`,
  results: (n) => `${n}-results.gz`,
  logs: (n) => `${n}-logs.gz`,
  manifest: () => 'ferry-manifest.json',
  volumeSnapshots: (n) => `${n}-volumesnapshots.json.gz`,
  csiVolumeSnapshots: (n) => `${n}-csi-volumesnapshots.json.gz`,
  csiVolumeSnapshotContents: (n) => `${n}-csi-volumesnapshotcontents.json.gz`,
  csiVolumeSnapshotClasses: (n) => `${n}-csi-volumesnapshotclasses.json.gz`,
  volumeData: () => 'ferry-volume-data.json',
  /** Not committed by the manifest: an unfinished backup's hand-off between invocations (lib/backup/hand-off.ts). */
  handOff: () => 'ferry-backup-progress.json',
  /** Velero's file-system backup records (PodVolumeBackups): Velero's, read by Ferry's restores; Ferry's, for `velero restore` (lib/volumes/velero-pod-volume*.ts). */
  podVolumeBackups: (n) => `${n}-podvolumebackups.json.gz`,
};

/** A backup file's name inside the backup's folder (`<name>.tar.gz`, `velero-backup.json`, ...), as the manifest lists it. */
export function backupFileName(name: string, file: BackupFile): string {
  return fileNames[file](name);
}

/** Kubernetes object names: DNS-1123 subdomain, at most 253 characters. Backup and restore names must be one. */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** True when `name` can name a backup or a restore (and so is safe inside a key). */
export function isValidName(name: string): boolean {
  return NAME.test(name) && !name.includes('..');
}

/** Thrown when a name cannot be used in a key. */
export class InvalidNameError extends Error {
  override name = 'InvalidNameError';
  constructor(readonly value: string, options?: { cause?: unknown }) {
    super(`"${value}" is not a valid backup or restore name (lowercase letters, digits, "-" and ".", at most 253 characters)`, options);
  }
}

/** Key helpers for one bucket prefix (`""` for the bucket root). */
export class BucketLayout {
  private readonly root: string;

  constructor(prefix = '') {
    const trimmed = prefix.replace(/^\/+|\/+$/g, '');
    this.root = trimmed ? `${trimmed}/` : '';
  }

  /** `<prefix>/backups/` */
  backupsPrefix(): string {
    return `${this.root}backups/`;
  }

  /** `<prefix>/backups/<name>/` */
  backupPrefix(name: string): string {
    assertName(name);
    return `${this.backupsPrefix()}${name}/`;
  }

  /** The key of one file of a backup. */
  backupKey(name: string, file: BackupFile): string {
    return this.backupPrefix(name) + fileNames[file](name);
  }

  /**
   * `<prefix>/plugins/ferry/catalog/backups/`. Velero marks a location Unavailable when a top-level folder under
   * the prefix is not one of its own (backups, restores, kopia, restic, metadata, plugins); `plugins/` is the one it
   * keeps for its plugins' data, so Ferry's catalog lives in `plugins/ferry/`.
   */
  catalogPrefix(): string {
    return `${this.ferryPrefix()}catalog/backups/`;
  }

  /** `<prefix>/plugins/ferry/`: everything Ferry keeps in a location outside Velero's own folders. */
  ferryPrefix(): string {
    return `${this.root}plugins/ferry/`;
  }

  /** `<prefix>/catalog/`: where the catalog was before it moved to plugins/ferry/ (lib/catalog/legacy-catalog.ts moves it). */
  legacyCatalogRoot(): string {
    return `${this.root}catalog/`;
  }

  /** `<prefix>/plugins/ferry/catalog/backups/<name>.json` */
  catalogKey(name: string): string {
    assertName(name);
    return `${this.catalogPrefix()}${name}.json`;
  }

  /** `<prefix>/restores/<name>/` */
  restorePrefix(name: string): string {
    assertName(name);
    return `${this.restoresPrefix()}${name}/`;
  }

  /** `<prefix>/kopia/<namespace>/`: the kopia repository holding a namespace's volume data (Velero's layout). */
  repositoryPrefix(namespace: string): string {
    assertName(namespace);
    return `${this.root}kopia/${namespace}/`;
  }

  /** `<prefix>/plugins/ferry/catalog/repositories/`: expiry's notes of kopia repositories whose space is still being reclaimed. */
  reclaimPrefix(): string {
    return `${this.ferryPrefix()}catalog/repositories/`;
  }

  /** `<prefix>/plugins/ferry/catalog/repositories/<namespace>.json` */
  reclaimKey(namespace: string): string {
    assertName(namespace);
    return `${this.reclaimPrefix()}${namespace}.json`;
  }

  /** `<prefix>/restores/` */
  restoresPrefix(): string {
    return `${this.root}restores/`;
  }

  /**
   * A file of a restore: `restore-<name>-results.gz` (Velero's), `ferry-result.json`, `ferry-checkpoint.json`,
   * `ferry-identity.json` (the backup and target the name belongs to). A dry run keeps its own under
   * `restores/<name>/dry-run/`, so it never touches a real run's.
   */
  restoreKey(name: string, file: 'results' | 'result' | 'checkpoint' | 'restore' | 'identity', options: { dryRun?: boolean } = {}): string {
    const files = {
      results: `restore-${name}-results.gz`, result: 'ferry-result.json', checkpoint: 'ferry-checkpoint.json', restore: 'restore.json',
      identity: 'ferry-identity.json',
    };
    return this.restorePrefix(name) + (options.dryRun ? 'dry-run/' : '') + files[file];
  }

  /** Part `part` (from 1) of a large restore's per-object outcomes, beside its `ferry-result.json`: `ferry-items-00001.json.gz`. */
  restoreItemsKey(name: string, part: number, options: { dryRun?: boolean } = {}): string {
    return `${this.restorePrefix(name)}${options.dryRun ? 'dry-run/' : ''}ferry-items-${String(part).padStart(5, '0')}.json.gz`;
  }

  /** Names a backup file key: its backup and role, or undefined for keys that are not backup files. */
  parseBackupKey(key: string): { backup: string; file: BackupFile } | undefined {
    const prefix = this.backupsPrefix();
    if (!key.startsWith(prefix)) return undefined;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) return undefined;
    const backup = rest.slice(0, slash);
    const fileName = rest.slice(slash + 1);
    if (!isValidName(backup) || fileName.includes('/')) return undefined;
    const file = (Object.keys(fileNames) as BackupFile[]).find((f) => fileNames[f](backup) === fileName);
    return file ? { backup, file } : undefined;
  }

  /** The backup a key belongs to (any file under `backups/<name>/`), or undefined. */
  backupOfKey(key: string): string | undefined {
    const prefix = this.backupsPrefix();
    if (!key.startsWith(prefix)) return undefined;
    const backup = key.slice(prefix.length).split('/')[0] ?? '';
    return isValidName(backup) && key.length > prefix.length + backup.length + 1 ? backup : undefined;
  }
}

function assertName(name: string): void {
  if (!isValidName(name)) throw new InvalidNameError(name);
}

/** A scheduled backup's name: `<schedule>-<YYYYMMDDHHMMSS>` in UTC, as Velero names them. */
export function scheduledBackupName(schedule: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${schedule}-${stamp}`;
}
