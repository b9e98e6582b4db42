/**
 * A backup handed from one invocation to the next: ferry-backup-progress.json in the backup's folder, written when
 * volume moves outlast a function's invocation (the backup is then WaitingForPluginOperations, as Velero's is while
 * its data mover runs). It holds what the last invocation needs to commit the backup: the files written so far, the
 * results and log lines so far, the volumes moved and failed, and the claims whose movers are still running. Read
 * back as untrusted bucket data: every field is checked, and a bad one is a HandOffError naming it.
 */
import { isRecord } from '../model/object.js';
import type { RunResults } from '../model/results.js';
import { isValidName } from '../store/layout.js';
import type { ManifestEntry } from '../store/manifest.js';
import type { ClaimToMove } from '../volumes/backup-volume-data.js';
import { parseVolumeData, serializeVolumeData, type VolumeDataEntry, type VolumeDataFailure } from '../volumes/volume-data-record.js';

/** The record's format version. */
export const HAND_OFF_VERSION = 1;

/** What one invocation hands the next. */
export interface BackupHandOff {
  backup: string;
  /** Invocations so far (the one that wrote this record included). */
  invocations: number;
  itemsBackedUp: number;
  byResource: Record<string, number>;
  /** Every claim the volume-data pass took charge of, moved or not. */
  claims: string[];
  /** Claims whose movers were still running (or not started) when the invocation stopped. */
  pending: ClaimToMove[];
  volumes: VolumeDataEntry[];
  failed: VolumeDataFailure[];
  /** Files written so far (name in the backup's folder: size and hash), for the manifest. */
  files: Record<string, ManifestEntry>;
  results: RunResults;
  /** The backup log's lines so far (its -logs.gz is written again at the end). */
  log: string[];
}

/** A hand-off record that cannot be used. */
export class HandOffError extends Error {
  override name = 'HandOffError';
}

/** The record's JSON. */
export function serializeHandOff(h: BackupHandOff): string {
  const { volumes, failed, ...rest } = h;
  return JSON.stringify({ version: HAND_OFF_VERSION, ...rest, volumeData: JSON.parse(serializeVolumeData(volumes, failed)) as unknown });
}

/** Reads a record of backup `backup`; throws HandOffError naming the first field that is not usable. */
export function parseHandOff(value: unknown, backup: string): BackupHandOff {
  const at = `ferry-backup-progress.json of backup ${backup}`;
  const bad = (field: string, expected: string, got: unknown) => new HandOffError(`${at}: ${field}: expected ${expected}, got ${JSON.stringify(got)?.slice(0, 80)}`);
  if (!isRecord(value) || value.version !== HAND_OFF_VERSION) throw bad('version', String(HAND_OFF_VERSION), isRecord(value) ? value.version : value);
  if (value.backup !== backup) throw bad('backup', JSON.stringify(backup), value.backup);
  for (const f of ['invocations', 'itemsBackedUp'] as const) {
    if (!isCount(value[f])) throw bad(f, 'a count', value[f]);
  }
  const byResource = countsOf(value.byResource);
  if (!byResource) throw bad('byResource', 'counts by resource', value.byResource);
  if (!Array.isArray(value.claims) || !value.claims.every(isClaimKey)) throw bad('claims', '["namespace/claim", ...]', value.claims);
  if (!Array.isArray(value.pending)) throw bad('pending', 'a list of claims', value.pending);
  const pending = value.pending.map((c: unknown, i: number) => {
    if (!isRecord(c) || !isName(c.namespace) || !isName(c.claim) || (c.node !== undefined && !isName(c.node))) throw bad(`pending[${i}]`, '{namespace, claim, node?}', c);
    return { namespace: c.namespace, claim: c.claim, ...(c.node !== undefined ? { node: c.node } : {}) };
  });
  const data = parseVolumeData(JSON.stringify(value.volumeData ?? null));
  if (data.problems.length > 0) throw new HandOffError(`${at}: volumeData: ${data.problems[0]}`);
  const failed = isRecord(value.volumeData) && Array.isArray(value.volumeData.failed) ? value.volumeData.failed : [];
  if (!failed.every((f) => isRecord(f) && isName(f.namespace) && isName(f.claim) && typeof f.reason === 'string')) throw bad('volumeData.failed', '[{namespace, claim, reason}]', failed);
  if (!isRecord(value.files) || !Object.entries(value.files).every(([k, e]) => isFileName(k) && isRecord(e) && isCount(e.size) && typeof e.sha256 === 'string' && /^[0-9a-f]{64}$/.test(e.sha256))) {
    throw bad('files', '{name: {size, sha256}}', value.files);
  }
  if (!isRecord(value.results) || !isRecord(value.results.errors) || !isRecord(value.results.warnings)) throw bad('results', '{errors, warnings}', value.results);
  if (!Array.isArray(value.log) || !value.log.every((l) => typeof l === 'string')) throw bad('log', 'a list of lines', value.log);
  return {
    backup, invocations: value.invocations as number, itemsBackedUp: value.itemsBackedUp as number, byResource,
    claims: value.claims as string[], pending, volumes: data.volumes, failed: failed as VolumeDataFailure[],
    files: value.files as Record<string, ManifestEntry>, results: value.results as unknown as RunResults, log: value.log as string[],
  };
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isName(v: unknown): v is string {
  return typeof v === 'string' && isValidName(v);
}

function isClaimKey(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const [namespace, claim, ...rest] = v.split('/');
  return rest.length === 0 && isName(namespace) && isName(claim);
}

/** A file of the backup's own folder: no separators, no dot-dot. */
function isFileName(v: string): boolean {
  return v.length > 0 && v.length <= 300 && !v.includes('/') && !v.includes('..');
}

function countsOf(v: unknown): Record<string, number> | undefined {
  if (!isRecord(v)) return undefined;
  return Object.values(v).every(isCount) ? v as Record<string, number> : undefined;
}

/** A volume move's stop condition: none without a hand-off time, else "the clock has reached it". */
export function stopAtHandOff(clock: () => Date, handOffAt: Date | undefined): { shouldStop?: () => boolean } {
  return handOffAt ? { shouldStop: () => clock().getTime() >= handOffAt.getTime() } : {};
}
