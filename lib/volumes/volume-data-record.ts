/**
 * ferry-volume-data.json: the backup's record of the volume data it moved into its kopia repositories, one entry per
 * claim (snapshot ID, sizes, how the data was read) and the claims whose data could not be moved. Written before the
 * manifest, which lists it. Read back at restore time as untrusted input: every field is checked, and a bad entry is
 * a problem naming its index and field, never a guess.
 */
import { isRecord } from '../model/object.js';
import { isValidName } from '../store/layout.js';
import type { MovedVolume } from './mover.js';

/** The record's format version. */
export const VOLUME_DATA_VERSION = 1;

/** One claim whose data is in the repository of its namespace. */
export interface VolumeDataEntry extends MovedVolume {
  namespace: string;
  claim: string;
  /** The repository's key prefix relative to the storage location's prefix (`kopia/<namespace>/`). */
  repository: string;
}

/** One claim whose data is not in the backup, and why. */
export interface VolumeDataFailure {
  namespace: string;
  claim: string;
  reason: string;
}

/** The whole record. */
export interface VolumeDataRecord {
  version: number;
  /** The engine and layout: kopia repositories per namespace, as Velero keeps them. */
  engine: 'kopia';
  volumes: VolumeDataEntry[];
  failed: VolumeDataFailure[];
}

/** The record's JSON, entries sorted by namespace and claim so that it reads the same on every run. */
export function serializeVolumeData(volumes: readonly VolumeDataEntry[], failed: readonly VolumeDataFailure[]): string {
  const byKey = <T extends { namespace: string; claim: string }>(a: T, b: T) => `${a.namespace}/${a.claim}`.localeCompare(`${b.namespace}/${b.claim}`);
  const record: VolumeDataRecord = { version: VOLUME_DATA_VERSION, engine: 'kopia', volumes: [...volumes].sort(byKey), failed: [...failed].sort(byKey) };
  return JSON.stringify(record, null, 2);
}

/** The repository prefix of a namespace relative to the location's prefix. */
export function repositoryOf(namespace: string): string {
  return `kopia/${namespace}/`;
}

/** Reads a record: the usable entries and a problem for every entry or field that is not. */
export function parseVolumeData(text: string): { volumes: VolumeDataEntry[]; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { volumes: [], problems: [`ferry-volume-data.json is not JSON: ${(err as Error).message}`] };
  }
  if (!isRecord(value) || value.engine !== 'kopia' || value.version !== VOLUME_DATA_VERSION || !Array.isArray(value.volumes)) {
    return { volumes: [], problems: [`ferry-volume-data.json: expected {version: ${VOLUME_DATA_VERSION}, engine: kopia, volumes: [...]}`] };
  }
  const volumes: VolumeDataEntry[] = [];
  const problems: string[] = [];
  value.volumes.forEach((raw: unknown, i: number) => {
    const at = `ferry-volume-data.json volumes[${i}]`;
    if (!isRecord(raw)) return void problems.push(`${at}: expected an object`);
    const bad = badField(raw);
    if (bad) return void problems.push(`${at}.${bad}`);
    const namespace = raw.namespace as string;
    volumes.push({
      namespace, claim: raw.claim as string, snapshotId: raw.snapshotId as string, repository: repositoryOf(namespace),
      bytes: raw.bytes as number, files: raw.files as number, dirs: raw.dirs as number,
      symlinks: typeof raw.symlinks === 'number' ? raw.symlinks : 0, source: raw.source === 'snapshot' ? 'snapshot' : 'live',
    });
  });
  return { volumes, problems };
}

/** The first field of an entry that is not usable, with what was expected. */
function badField(raw: Record<string, unknown>): string | undefined {
  for (const f of ['namespace', 'claim'] as const) {
    if (typeof raw[f] !== 'string' || !isValidName(raw[f])) return `${f}: expected a Kubernetes name, got ${JSON.stringify(raw[f])}`;
  }
  if (typeof raw.snapshotId !== 'string' || !/^[0-9a-zA-Z]{1,128}$/.test(raw.snapshotId)) {
    return `snapshotId: expected a kopia snapshot ID (letters and digits), got ${JSON.stringify(raw.snapshotId)}`;
  }
  for (const f of ['bytes', 'files', 'dirs'] as const) {
    if (typeof raw[f] !== 'number' || !Number.isInteger(raw[f]) || raw[f] < 0) return `${f}: expected a count, got ${JSON.stringify(raw[f])}`;
  }
  return undefined;
}
