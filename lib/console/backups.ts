/** The backups pages' data: the catalog, and one backup's contents, problems and volumes, from the bucket. */
import { entryFromVerdict, listCatalog, readCatalogEntry, type CatalogEntry } from '../catalog/catalog-entry.js';
import { validateBackup } from '../catalog/validate.js';
import type { RunResults } from '../model/results.js';
import { readCapped, readJsonObject } from '../store/bounded-read.js';
import { BucketDataError, NotFoundError } from '../store/errors.js';
import { isValidName } from '../store/layout.js';
import { parseVolumeData, type VolumeDataEntry } from '../volumes/volume-data-record.js';
import type { ConsoleDeps } from './deps.js';
import { ConsoleError } from './errors.js';

/** The backups list: every catalog entry, and the backups whose files are there but not indexed yet. */
export interface BackupList {
  backups: CatalogEntry[];
  notIndexed: string[];
  unreadable: string[];
}

/** Lists the storage location's backups from its catalog. */
export async function listBackups(deps: Pick<ConsoleDeps, 'store' | 'layout'>): Promise<BackupList> {
  const { entries, unreadable } = await listCatalog(deps.store, deps.layout);
  const indexed = new Set(entries.map((e) => e.name));
  const notIndexed = new Set<string>();
  for await (const o of deps.store.list(deps.layout.backupsPrefix())) {
    const backup = deps.layout.backupOfKey(o.key);
    if (backup && !indexed.has(backup)) notIndexed.add(backup);
  }
  return { backups: entries, notIndexed: [...notIndexed].sort(), unreadable };
}

/** One backup: its catalog entry (or a verdict judged now), its warnings and errors, its volumes. */
export interface BackupDetail {
  entry: CatalogEntry;
  indexed: boolean;
  results: RunResults;
  /** Claims whose data the backup holds (kopia), and those whose data it could not take. */
  volumes: { moved: VolumeDataEntry[]; failed: { namespace: string; claim: string; reason: string }[]; problems: string[] };
}

/** Largest results or volume record read: a backup's files are untrusted. */
const MAX_SMALL_FILE = 4 * 1024 * 1024;

/** Reads one backup; throws ConsoleError 404 when the location holds nothing by that name. */
export async function describeBackup(deps: Pick<ConsoleDeps, 'store' | 'layout' | 'location' | 'now'>, name: string): Promise<BackupDetail> {
  checkName(name, 'backup');
  let { entry } = await readCatalogEntry(deps.store, deps.layout, name);
  const indexed = entry !== undefined;
  if (!entry) {
    const verdict = await validateBackup(name, { store: deps.store, layout: deps.layout });
    if (verdict.files.length === 0) throw new ConsoleError(404, `no backup named ${name} in ${deps.location}`);
    entry = entryFromVerdict(verdict, deps.now());
  }
  return { entry, indexed, results: await readResults(deps, name), volumes: await readVolumes(deps, name) };
}

async function readResults(deps: Pick<ConsoleDeps, 'store' | 'layout'>, name: string): Promise<RunResults> {
  try {
    const { value } = await readJsonObject(deps.store, deps.layout.backupKey(name, 'results'), { maxBytes: MAX_SMALL_FILE, maxGunzippedBytes: MAX_SMALL_FILE * 4 });
    const v = value as Partial<RunResults> | null;
    return { warnings: isObject(v?.warnings) ? v.warnings : {}, errors: isObject(v?.errors) ? v.errors : {} };
  } catch (err) {
    if (err instanceof NotFoundError) return { warnings: {}, errors: {} };
    if (err instanceof BucketDataError) return { warnings: {}, errors: { velero: [err.message] } };
    throw err;
  }
}

async function readVolumes(deps: Pick<ConsoleDeps, 'store' | 'layout'>, name: string): Promise<BackupDetail['volumes']> {
  let text: string;
  try {
    text = (await readCapped(deps.store, deps.layout.backupKey(name, 'volumeData'), MAX_SMALL_FILE)).bytes.toString('utf8');
  } catch (err) {
    if (err instanceof NotFoundError) return { moved: [], failed: [], problems: [] };
    if (err instanceof BucketDataError) return { moved: [], failed: [], problems: [err.message] };
    throw err;
  }
  const { volumes, problems } = parseVolumeData(text);
  let failed: BackupDetail['volumes']['failed'] = [];
  try {
    const raw = JSON.parse(text) as { failed?: unknown };
    if (Array.isArray(raw.failed)) {
      failed = raw.failed.filter((f): f is { namespace: string; claim: string; reason: string } => isObject(f)
        && typeof f.namespace === 'string' && typeof f.claim === 'string' && typeof f.reason === 'string');
    }
  } catch { /* parseVolumeData reported it */ }
  return { moved: volumes, failed, problems };
}

/** Throws ConsoleError 400 unless `name` is a Kubernetes object name (backups and restores are named so). */
export function checkName(name: string, what: string): void {
  if (!isValidName(name)) throw new ConsoleError(400, `"${name.slice(0, 100)}" is not a ${what} name (lowercase letters, digits, "-" and ".")`);
}

function isObject(v: unknown): v is Record<string, never> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
