/**
 * What a restore checks before it reads a backup, and how it reads the tarball: pinned to the version that was
 * judged (its ETag and size) and hashed as it streams, so that only bytes matching the manifest's sha256 are
 * ever applied.
 */
import { pipeline, type Readable } from 'node:stream';
import { hashingTap } from '../store/hashing-tap.js';
import { fingerprintOf, readCatalogEntry } from '../catalog/catalog-entry.js';
import { BackupChangedError } from '../catalog/errors.js';
import { DEFAULT_VALIDATION_LIMITS } from '../catalog/types.js';
import { listBackupFiles, MANIFEST_FILE, validateBackup, type Verdict } from '../catalog/validate.js';
import { readCapped } from '../store/bounded-read.js';
import { BucketDataError } from '../store/errors.js';
import type { BucketLayout } from '../store/layout.js';
import { ManifestError, parseManifest } from '../store/manifest.js';
import type { ObjectStore } from '../store/object-store.js';
import { NoSuchBackupError, RestoreRefusedError } from './errors.js';

/** The tarball version a restore may read: the judged one. `sha256` is the manifest's (none for a Velero backup). */
export interface PinnedTarball {
  key: string;
  etag: string;
  size: number;
  sha256?: string;
}

/** The verdict a restore acts on, and the tarball it may read. */
export interface CheckedBackup {
  verdict: Pick<Verdict, 'name' | 'phase' | 'verified' | 'problems' | 'counts'>;
  tarball?: PinnedTarball;
}

type Deps = { store: ObjectStore; layout: BucketLayout };

/**
 * Judges the backup before anything is applied. When the index function has judged exactly these files (same
 * keys, sizes and ETags: the catalog entry's fingerprint) its verdict stands; otherwise the backup is validated
 * again, manifest hashes and tarball structure included. The manifest's sha256 of the tarball is read for the
 * restore to check the bytes it applies.
 */
export async function checkBackup(backup: string, deps: Deps & { location?: string }): Promise<CheckedBackup> {
  const files = await listBackupFiles(deps, backup);
  if (files.length === 0) throw new NoSuchBackupError(backup, deps.location ?? `with prefix "${deps.layout.backupsPrefix()}"`);
  const { entry } = await readCatalogEntry(deps.store, deps.layout, backup);
  let verdict: CheckedBackup['verdict'];
  try {
    verdict = entry && entry.fingerprint === fingerprintOf(files) && (entry.phase === 'Completed' || entry.phase === 'PartiallyFailed')
      ? { name: backup, phase: entry.phase, verified: entry.verified, problems: entry.problems, counts: entry.counts }
      : await validateBackup(backup, deps, files);
  } catch (err) {
    if (err instanceof BackupChangedError) throw new RestoreRefusedError(`backup ${backup} changed while it was being checked (${err.key}); nothing was restored: try again`, { cause: err });
    throw err;
  }
  const tarKey = deps.layout.backupKey(backup, 'tarball');
  const tar = files.find((f) => f.key === tarKey);
  if (!tar) return { verdict };
  const pin: PinnedTarball = { key: tar.key, etag: tar.etag, size: tar.size };
  if (!verdict.verified) return { verdict, tarball: pin };
  const manifest = files.find((f) => f.key === deps.layout.backupKey(backup, 'manifest'))!;
  const sha256 = await manifestSha(deps, backup, manifest.key, manifest.etag);
  return { verdict, tarball: { ...pin, sha256 } };
}

async function manifestSha(deps: Deps, backup: string, key: string, etag: string): Promise<string> {
  try {
    const read = await readCapped(deps.store, key, DEFAULT_VALIDATION_LIMITS.maxMetadataBytes);
    if (etag && read.etag && read.etag !== etag) throw new RestoreRefusedError(`${key} changed since the backup was checked; nothing was restored: try again`);
    const sha = parseManifest(read.bytes, backup).files[`${backup}.tar.gz`]?.sha256;
    if (!sha) throw new RestoreRefusedError(`${MANIFEST_FILE} of ${backup} does not list its tarball; nothing was restored`);
    return sha;
  } catch (err) {
    if (err instanceof ManifestError || err instanceof BucketDataError) throw new RestoreRefusedError(`${err.message}; nothing was restored`, { cause: err });
    throw err;
  }
}

/** A tarball stream and the check to run once it has been read to its end. */
export interface VerifiedStream {
  body: Readable;
  /** Throws RestoreRefusedError unless the bytes read were exactly the pinned size and (when known) the manifest's sha256. */
  check(): void;
}

/** Opens the pinned tarball, refusing another version of it, and hashes it as it is read. */
export async function openPinnedTarball(store: ObjectStore, pin: PinnedTarball): Promise<VerifiedStream> {
  const { body, etag } = await store.get(pin.key);
  if (pin.etag && etag && etag !== pin.etag) {
    body.destroy();
    throw new RestoreRefusedError(`${pin.key} changed since the backup was checked (ETag ${pin.etag}, now ${etag}); nothing was restored`);
  }
  const { tap, bytes: read, digest } = hashingTap();
  // Errors of the body reach the reader through tap; a reader that stops early releases the body (its connection).
  pipeline(body, tap, () => undefined);
  return {
    body: tap,
    check: () => {
      if (read() !== pin.size) throw new RestoreRefusedError(`${pin.key}: ${read()} bytes were read, not the ${pin.size} checked; nothing was applied`);
      if (pin.sha256 === undefined) return;
      const sha = digest();
      if (sha !== pin.sha256) {
        throw new RestoreRefusedError(`${pin.key}: sha256 ${sha} of the bytes read does not match ${MANIFEST_FILE} (${pin.sha256}); nothing was applied`);
      }
    },
  };
}
