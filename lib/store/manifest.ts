import { createHash } from 'node:crypto';
import { isRecord } from '../model/object.js';

/** Size and SHA-256 of one backup file. */
export interface ManifestEntry {
  size: number;
  sha256: string;
}

/**
 * ferry-manifest.json: written last, it commits a backup. It lists every other file of the backup by its
 * name inside the backup's folder (`<name>.tar.gz`, `velero-backup.json`, ...).
 */
export interface BackupManifest {
  apiVersion: 'ferry.dev/v1';
  kind: 'BackupManifest';
  backup: string;
  /** RFC 3339 time the manifest was written. */
  completedAt: string;
  files: Record<string, ManifestEntry>;
}

/** The manifest's entry for one file's bytes. */
export function manifestEntry(bytes: Uint8Array): ManifestEntry {
  return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Builds a manifest for a backup's files. */
export function buildManifest(backup: string, files: Record<string, ManifestEntry>, completedAt: Date): BackupManifest {
  return { apiVersion: 'ferry.dev/v1', kind: 'BackupManifest', backup, completedAt: completedAt.toISOString(), files };
}

/** Thrown for a manifest that does not parse or does not have the expected shape. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

/** Parses and checks an untrusted manifest; `backup` is the name its key implies. */
export function parseManifest(bytes: Uint8Array | string, backup: string): BackupManifest {
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new ManifestError(`ferry-manifest.json of ${backup} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isRecord(value) || value.kind !== 'BackupManifest' || value.apiVersion !== 'ferry.dev/v1') {
    throw new ManifestError(`ferry-manifest.json of ${backup} is not a ferry.dev/v1 BackupManifest`);
  }
  if (value.backup !== backup) {
    throw new ManifestError(`ferry-manifest.json names backup "${String(value.backup)}" but sits in the folder of "${backup}"`);
  }
  if (!isRecord(value.files)) throw new ManifestError(`ferry-manifest.json of ${backup} has no files map`);
  for (const [file, entry] of Object.entries(value.files)) {
    if (file.includes('/') || file.includes('..')) throw new ManifestError(`ferry-manifest.json of ${backup} lists an unsafe file name "${file}"`);
    if (!isRecord(entry) || !Number.isSafeInteger(entry.size) || (entry.size as number) < 0 || typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
      throw new ManifestError(`ferry-manifest.json of ${backup}: files.${file} needs a size (bytes) and a sha256 (64 hex digits)`);
    }
  }
  if (typeof value.completedAt !== 'string' || Number.isNaN(Date.parse(value.completedAt))) {
    throw new ManifestError(`ferry-manifest.json of ${backup}: completedAt is not an RFC 3339 time`);
  }
  return value as unknown as BackupManifest;
}
