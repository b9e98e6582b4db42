/**
 * Judges one backup from its files in the bucket, streaming, with bounded memory. A Ferry backup is judged
 * against its ferry-manifest.json (the commit marker: sizes first, then sha256, then the tarball's structure);
 * a Velero backup (no manifest) from its own velero-backup.json and tarball, unverified.
 */
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream';
import { hashingTap } from '../store/hashing-tap.js';
import type { ObjectInfo, ObjectStore } from '../store/object-store.js';
import { ManifestError, parseManifest, type BackupManifest } from '../store/manifest.js';
import { BackupObjectError, parseBackupObject, phaseState, type BackupInfo } from './backup-object.js';
import { BackupChangedError } from './errors.js';
import { scanTarball, type TarballScan } from './scan-tarball.js';
import { limitsOf, type CatalogDeps, type CatalogPhase, type ItemCounts, type ValidationLimits } from './types.js';

/** The judgement of one backup. `problems[0]` is the reason for any phase other than Completed. */
export interface Verdict {
  name: string;
  phase: Exclude<CatalogPhase, 'Deleting'>;
  /** True when every file matched the backup's manifest. */
  verified: boolean;
  format: 'ferry' | 'velero';
  problems: string[];
  /** Bytes of every file in the backup's folder. */
  size: number;
  /** The files judged (the listing of the backup's folder). */
  files: ObjectInfo[];
  backup?: BackupInfo;
  counts?: ItemCounts;
  formatVersion?: string;
  /** When the manifest says the backup was committed. */
  committedAt?: string;
}

/** File names inside a backup's folder. */
export const MANIFEST_FILE = 'ferry-manifest.json';
/** The Velero Backup object. */
export const BACKUP_OBJECT_FILE = 'velero-backup.json';

type Deps = Pick<CatalogDeps, 'store' | 'layout' | 'limits'>;

/** Lists a backup's folder: every object under `backups/<name>/`. */
export async function listBackupFiles(deps: Pick<CatalogDeps, 'store' | 'layout'>, name: string): Promise<ObjectInfo[]> {
  const files: ObjectInfo[] = [];
  for await (const o of deps.store.list(deps.layout.backupPrefix(name))) files.push(o);
  return files;
}

/**
 * Validates the backup `name`. `files` is its listing when the caller already has one. Throws only for failures
 * of the store (retry later) and BackupChangedError (a file changed while being read: judge again).
 */
export async function validateBackup(name: string, deps: Deps, files?: ObjectInfo[]): Promise<Verdict> {
  const listing = files ?? await listBackupFiles(deps, name);
  const prefix = deps.layout.backupPrefix(name);
  const byName = new Map(listing.map((f) => [f.key.slice(prefix.length), f]));
  const ctx: Ctx = { name, deps, limits: limitsOf(deps), byName, tarName: `${name}.tar.gz` };
  const base = { name, files: listing, size: listing.reduce((n, f) => n + f.size, 0) };
  const judged = byName.has(MANIFEST_FILE) ? await judgeCommitted(ctx) : await judgeUncommitted(ctx);
  return { ...base, verified: false, format: 'velero', ...judged };
}

interface Ctx {
  name: string;
  deps: Deps;
  limits: ValidationLimits;
  byName: Map<string, ObjectInfo>;
  tarName: string;
}

type Judged = Omit<Verdict, 'name' | 'files' | 'size' | 'verified' | 'format'> & Partial<Pick<Verdict, 'verified' | 'format'>>;

async function judgeCommitted(ctx: Ctx): Promise<Judged> {
  const { name, byName, tarName } = ctx;
  const fail = (phase: Judged['phase'], problem: string): Judged => ({ phase, problems: [problem], format: 'ferry' });
  const manifestBytes = await readSmall(ctx, byName.get(MANIFEST_FILE)!);
  if (typeof manifestBytes === 'string') return fail('Invalid', manifestBytes);
  let manifest: BackupManifest;
  try {
    manifest = parseManifest(manifestBytes, name);
  } catch (err) {
    if (err instanceof ManifestError) return fail('Invalid', err.message);
    throw err;
  }
  for (const required of [BACKUP_OBJECT_FILE, tarName]) {
    if (!manifest.files[required]) return fail('Invalid', `${MANIFEST_FILE} does not list ${required}`);
  }
  const listed = Object.entries(manifest.files);
  for (const [file, expected] of listed) {
    const actual = byName.get(file);
    if (!actual) return fail('Corrupt', `${file} is listed in ${MANIFEST_FILE} but missing`);
    if (actual.size !== expected.size) return fail('Corrupt', `${file} is ${actual.size} bytes; ${MANIFEST_FILE} says ${expected.size}`);
  }
  const backupBytes = await readSmall(ctx, byName.get(BACKUP_OBJECT_FILE)!);
  if (typeof backupBytes === 'string') return fail('Invalid', backupBytes);
  for (const [file, expected] of listed) {
    if (file === tarName) continue;
    const sha = file === BACKUP_OBJECT_FILE ? sha256(backupBytes) : await hashObject(ctx.deps.store, byName.get(file)!);
    if (sha !== expected.sha256) return fail('Corrupt', shaMismatch(file, sha, expected.sha256));
  }
  const info = readInfo(backupBytes, name);
  if (typeof info === 'string') return fail('Invalid', info);

  const tar = byName.get(tarName)!;
  const { scan, sha } = await scanWithHash(ctx, tar);
  const tarSha = sha ?? await hashObject(ctx.deps.store, tar);
  const expected = manifest.files[tarName]!.sha256;
  const committed = { backup: info, format: 'ferry' as const, committedAt: manifest.completedAt };
  if (tarSha !== expected) return { ...committed, phase: 'Corrupt', problems: [shaMismatch(tarName, tarSha, expected)] };
  if (!scan.ok) return { ...committed, phase: scan.finding.kind === 'corrupt' ? 'Corrupt' : 'Invalid', problems: [scan.finding.message] };

  const unlisted = [...byName.keys()].filter((f) => f !== MANIFEST_FILE && !manifest.files[f]);
  const notes = unlisted.length ? [`not covered by ${MANIFEST_FILE}: ${unlisted.join(', ')}`] : [];
  const scanned = { ...committed, counts: scan.counts, formatVersion: scan.formatVersion };
  const phase = finalPhase(info.phase);
  if (!phase) {
    return { ...scanned, phase: 'Invalid', problems: [`${MANIFEST_FILE} commits the backup but ${BACKUP_OBJECT_FILE} says phase ${info.phase ?? '(none)'}`, ...notes] };
  }
  return { ...scanned, phase, verified: true, problems: [...phaseProblems(info, phase), ...notes] };
}

async function judgeUncommitted(ctx: Ctx): Promise<Judged> {
  const { name, byName, tarName } = ctx;
  const backupFile = byName.get(BACKUP_OBJECT_FILE);
  if (!backupFile) return { phase: 'Incomplete', problems: [`${BACKUP_OBJECT_FILE} has not been written yet`] };
  const bytes = await readSmall(ctx, backupFile);
  if (typeof bytes === 'string') return { phase: 'Invalid', problems: [bytes] };
  const info = readInfo(bytes, name);
  if (typeof info === 'string') return { phase: 'Invalid', problems: [info] };
  if (info.ferry) {
    // Ferry's writer records a failure in velero-backup.json and writes no manifest.
    if (finalPhase(info.phase) === 'Failed') return { backup: info, format: 'ferry', phase: 'Failed', problems: phaseProblems(info, 'Failed') };
    return { backup: info, format: 'ferry', phase: 'Incomplete', problems: [`${MANIFEST_FILE} has not been written yet: the backup is still being written, or its writer stopped`] };
  }
  const state = phaseState(info.phase);
  if (state === 'running') return { backup: info, phase: 'Incomplete', problems: [`${BACKUP_OBJECT_FILE} says phase ${info.phase}`] };
  if (state === 'unknown') return { backup: info, phase: 'Invalid', problems: [`${BACKUP_OBJECT_FILE} has an unknown phase ${JSON.stringify(info.phase ?? null)}`] };
  const phase = finalPhase(info.phase)!;
  if (phase === 'Failed') return { backup: info, phase, problems: phaseProblems(info, phase) };
  const tar = byName.get(tarName);
  if (!tar) return { backup: info, phase: 'Incomplete', problems: [`${tarName} has not been written yet`] };
  const { scan } = await scanWithHash(ctx, tar);
  if (!scan.ok) return { backup: info, phase: scan.finding.kind === 'corrupt' ? 'Corrupt' : 'Invalid', problems: [scan.finding.message] };
  return { backup: info, phase, counts: scan.counts, formatVersion: scan.formatVersion, problems: [`unverified: a Velero backup has no ${MANIFEST_FILE}`, ...phaseProblems(info, phase)] };
}

function finalPhase(phase: string | undefined): 'Completed' | 'PartiallyFailed' | 'Failed' | undefined {
  if (phase === 'Completed' || phase === 'PartiallyFailed' || phase === 'Failed') return phase;
  return phase === 'FailedValidation' ? 'Failed' : undefined;
}

function phaseProblems(info: BackupInfo, phase: 'Completed' | 'PartiallyFailed' | 'Failed'): string[] {
  if (phase === 'Completed') return [];
  const counts = info.errors !== undefined ? ` with ${info.errors} errors and ${info.warnings ?? 0} warnings` : '';
  return [`the backup says ${info.phase}${counts}${info.failureReason ? `: ${info.failureReason}` : ''}`];
}

function readInfo(bytes: Uint8Array, name: string): BackupInfo | string {
  try {
    return parseBackupObject(bytes, name);
  } catch (err) {
    if (err instanceof BackupObjectError) return err.message;
    throw err;
  }
}

/** Reads a small JSON file whole, or says why not. */
async function readSmall(ctx: Ctx, file: ObjectInfo): Promise<Uint8Array | string> {
  const fileName = file.key.slice(file.key.lastIndexOf('/') + 1);
  if (file.size > ctx.limits.maxMetadataBytes) return `${fileName} is ${file.size} bytes, over the limit of ${ctx.limits.maxMetadataBytes}`;
  const { bytes, etag } = await ctx.deps.store.getBytes(file.key);
  assertUnchanged(file, etag);
  return bytes;
}

/** Streams the tarball through the structural scan, hashing it on the way; `sha` is undefined if the scan stopped early. */
async function scanWithHash(ctx: Ctx, tar: ObjectInfo): Promise<{ scan: TarballScan; sha?: string }> {
  const { body, etag } = await ctx.deps.store.get(tar.key);
  assertUnchanged(tar, etag);
  const { tap, bytes: hashed, digest } = hashingTap();
  pipeline(body, tap, () => undefined); // forwards errors of the body; destroying tap releases the body
  const scan = await scanTarball(tap, ctx.limits);
  return { scan, ...(hashed() === tar.size && tap.readableEnded ? { sha: digest() } : {}) };
}

async function hashObject(store: ObjectStore, file: ObjectInfo): Promise<string> {
  const { body, etag } = await store.get(file.key);
  assertUnchanged(file, etag);
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function assertUnchanged(file: ObjectInfo, etag: string): void {
  if (file.etag && etag && file.etag !== etag) throw new BackupChangedError(file.key);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function shaMismatch(file: string, actual: string, expected: string): string {
  return `${file}: sha256 ${actual} does not match ${MANIFEST_FILE} (${expected})`;
}
