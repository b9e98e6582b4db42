/**
 * The catalog's move out of `<prefix>/catalog/`, where Ferry kept it before: Velero's location validation refuses
 * any top-level folder that is not its own ("Backup store contains invalid top-level directories: [catalog]") and
 * marks the location Unavailable, so every Velero restore from it fails. Every catalog writer (the index, expiry,
 * `ferry backups delete`, `ferry backups verify --update-catalog`, `ferry backup`) moves the old folder to
 * `<prefix>/plugins/ferry/catalog/` before it writes, once per process and location; readers list both until then.
 * A key moves by a conditional create at its new place (an entry already there is newer, and stays) and then the
 * delete of the old key, so two movers at once, or a mover and an index, converge on the newest entry.
 */
import { readCapped } from '../store/bounded-read.js';
import { BucketDataError, NotFoundError, PreconditionFailedError } from '../store/errors.js';
import type { ObjectStore } from '../store/object-store.js';
import type { BucketLayout } from '../store/layout.js';
import { DEFAULT_VALIDATION_LIMITS, type Log } from './types.js';

/** What one move did: keys moved to plugins/ferry/, old keys dropped for a newer entry there, keys left (too large). */
export interface LegacyMove {
  moved: string[];
  superseded: string[];
  left: string[];
}

/** The locations (by store, then legacy folder) whose old catalog this process has already moved. */
const movedAlready = new WeakMap<ObjectStore, Set<string>>();

/** The new key of a key under the legacy catalog folder. */
export function movedKey(layout: BucketLayout, legacyKey: string): string {
  return `${layout.ferryPrefix()}catalog/${legacyKey.slice(layout.legacyCatalogRoot().length)}`;
}

/**
 * Moves every object under `<prefix>/catalog/` to `<prefix>/plugins/ferry/catalog/` (see the file's comment).
 * Once a move of a location finished in this process, later calls list nothing. Failures are logged, not thrown:
 * the caller's own write goes on, and the next writer tries again.
 */
export async function moveLegacyCatalog(store: ObjectStore, layout: BucketLayout, log: Log): Promise<LegacyMove> {
  const root = layout.legacyCatalogRoot();
  const done = movedAlready.get(store) ?? new Set<string>();
  movedAlready.set(store, done);
  const report: LegacyMove = { moved: [], superseded: [], left: [] };
  if (done.has(root)) return report;
  try {
    for await (const o of store.list(root)) await moveOne(store, layout, o.key, report);
    if (report.left.length === 0) done.add(root);
  } catch (err) {
    log.warn(`could not move the catalog out of ${root} (Velero refuses a location that has it): ${(err as Error).message}`, { error: err });
    return report;
  }
  if (report.moved.length || report.superseded.length) {
    log.info(`moved the catalog from ${root} to ${layout.ferryPrefix()}catalog/ (${report.moved.length} moved, ${report.superseded.length} superseded by newer entries)`, { ...report });
  }
  for (const key of report.left) log.warn(`${key} stays in ${root}: it is too large to be a catalog entry; delete it, or Velero keeps this location Unavailable`, { key });
  return report;
}

async function moveOne(store: ObjectStore, layout: BucketLayout, key: string, report: LegacyMove): Promise<void> {
  let bytes: Buffer;
  try {
    ({ bytes } = await readCapped(store, key, DEFAULT_VALIDATION_LIMITS.maxMetadataBytes));
  } catch (err) {
    if (err instanceof NotFoundError) return; // another mover took it
    if (err instanceof BucketDataError) {
      report.left.push(key);
      return;
    }
    throw err;
  }
  let superseded = false;
  try {
    await store.put(movedKey(layout, key), bytes, { contentType: 'application/json', ifNoneMatch: '*' });
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
    superseded = true;
  }
  await store.delete(key);
  (superseded ? report.superseded : report.moved).push(key);
}

/** The legacy catalog's entry keys not yet moved, for readers that list the catalog before any writer moved it. */
export async function legacyEntryKeys(store: ObjectStore, layout: BucketLayout): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list(`${layout.legacyCatalogRoot()}backups/`)) if (o.key.endsWith('.json')) keys.push(o.key);
  return keys;
}
