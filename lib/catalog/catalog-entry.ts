/**
 * The catalog: one `plugins/ferry/catalog/backups/<name>.json` per backup, written by the index. Every write is conditional
 * (If-None-Match for a new entry, If-Match on the ETag read for an existing one), so two writers at once can
 * never lose an update: the loser reads again and decides again.
 */
import { createHash } from 'node:crypto';
import { isRecord } from '../model/object.js';
import { runPool } from '../pool.js';
import { readCapped } from '../store/bounded-read.js';
import { BucketDataError, NotFoundError, PreconditionFailedError } from '../store/errors.js';
import type { ObjectInfo, ObjectStore } from '../store/object-store.js';
import type { BucketLayout } from '../store/layout.js';
import { CatalogWriteError } from './errors.js';
import { legacyEntryKeys } from './legacy-catalog.js';
import { DEFAULT_VALIDATION_LIMITS, emptyCounts, type CatalogPhase, type ItemCounts } from './types.js';
import type { Verdict } from './validate.js';

/** One backup in the catalog. */
export interface CatalogEntry {
  apiVersion: 'ferry.dev/v1';
  kind: 'CatalogEntry';
  name: string;
  sourceCluster?: string;
  /** The source API server's version, when the backup records it. */
  sourceClusterVersion?: string;
  storageLocation?: string;
  phase: CatalogPhase;
  /** status.phase as velero-backup.json says it. */
  backupPhase?: string;
  format: 'ferry' | 'velero';
  created?: string;
  completed?: string;
  expires?: string;
  counts: ItemCounts;
  /** Bytes of every file of the backup. */
  size: number;
  verified: boolean;
  problems: string[];
  warnings?: number;
  errors?: number;
  indexedAt: string;
  /** Identifies the files judged (keys, sizes, ETags): the same fingerprint needs no new judgement. */
  fingerprint: string;
}

/** A fingerprint of a backup's files, independent of listing order. */
export function fingerprintOf(files: ObjectInfo[]): string {
  const lines = files.map((f) => `${f.key}\t${f.size}\t${f.etag}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** The catalog entry of a verdict. */
export function entryFromVerdict(verdict: Verdict, indexedAt: Date): CatalogEntry {
  const b = verdict.backup;
  const entry: CatalogEntry = {
    apiVersion: 'ferry.dev/v1', kind: 'CatalogEntry', name: verdict.name, phase: verdict.phase, format: verdict.format,
    counts: verdict.counts ?? emptyCounts(), size: verdict.size, verified: verdict.verified, problems: verdict.problems,
    indexedAt: indexedAt.toISOString(), fingerprint: fingerprintOf(verdict.files),
  };
  const optional: Partial<CatalogEntry> = {
    sourceCluster: b?.sourceCluster, sourceClusterVersion: b?.sourceClusterVersion, storageLocation: b?.storageLocation, backupPhase: b?.phase,
    created: b?.created ?? b?.started, completed: b?.completed ?? verdict.committedAt, expires: b?.expires,
    warnings: b?.warnings, errors: b?.errors,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (entry as unknown as Record<string, unknown>)[k] = v;
  return entry;
}

/** Thrown for a catalog object that is not a CatalogEntry. */
export class CatalogEntryError extends Error {
  override name = 'CatalogEntryError';
}

const PHASES = new Set<CatalogPhase>(['Completed', 'PartiallyFailed', 'Failed', 'Corrupt', 'Incomplete', 'Invalid', 'Deleting']);

/** Parses a catalog entry; throws CatalogEntryError when it is not one. */
export function parseCatalogEntry(bytes: Uint8Array | string): CatalogEntry {
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new CatalogEntryError(`not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isRecord(value) || value.kind !== 'CatalogEntry' || typeof value.name !== 'string' || !PHASES.has(value.phase as CatalogPhase)) {
    throw new CatalogEntryError('not a ferry.dev/v1 CatalogEntry with a name and a phase');
  }
  if (!isRecord(value.counts) || typeof value.size !== 'number' || !Array.isArray(value.problems)) {
    throw new CatalogEntryError(`the entry of ${value.name} has no counts, size or problems`);
  }
  return value as unknown as CatalogEntry;
}

/** A catalog entry with the ETag it was read at. */
export interface StoredEntry {
  entry: CatalogEntry;
  etag: string;
}

/** Reads the catalog entry of `name`, or undefined when there is none. An unreadable entry is returned as undefined with its ETag. */
export async function readCatalogEntry(store: ObjectStore, layout: BucketLayout, name: string): Promise<StoredEntry | { entry: undefined; etag?: string }> {
  try {
    let read;
    try {
      read = await readCapped(store, layout.catalogKey(name), DEFAULT_VALIDATION_LIMITS.maxMetadataBytes);
    } catch (err) {
      // Too large to be an entry: unreadable, like one that does not parse (its ETag lets a writer replace it).
      if (!(err instanceof BucketDataError)) throw err;
      return { entry: undefined, etag: (await store.head(layout.catalogKey(name)))?.etag };
    }
    const { bytes, etag } = read;
    try {
      return { entry: parseCatalogEntry(bytes), etag };
    } catch (err) {
      if (err instanceof CatalogEntryError) return { entry: undefined, etag };
      throw err;
    }
  } catch (err) {
    if (err instanceof NotFoundError) return { entry: undefined };
    throw err;
  }
}

/** What an update decides: write this entry, delete the entry, or leave it as it is. */
export type EntryDecision = { write: CatalogEntry } | { delete: true } | { keep: true };

/** Options of updateCatalogEntry. */
export interface UpdateOptions {
  attempts?: number;
  /** Waits before another attempt (jittered backoff); tests pass a no-op. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Read-decide-write with optimistic concurrency: reads the entry and its ETag, calls `decide` with it, and writes
 * the decision conditionally. When another writer got there first, reads again and calls `decide` again.
 * Returns the last decision and the entry that is stored.
 */
export async function updateCatalogEntry(
  store: ObjectStore, layout: BucketLayout, name: string,
  decide: (current: CatalogEntry | undefined) => Promise<EntryDecision>,
  options: UpdateOptions = {},
): Promise<{ decision: EntryDecision; attempts: number }> {
  const attempts = options.attempts ?? 8;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const key = layout.catalogKey(name);
  for (let attempt = 1; ; attempt++) {
    const current = await readCatalogEntry(store, layout, name);
    const decision = await decide(current.entry);
    if ('keep' in decision) return { decision, attempts: attempt };
    try {
      if ('delete' in decision) {
        // NOTE: S3 has no conditional delete on every provider; deletion is only decided by expiry, which owns a Deleting entry.
        await store.delete(key);
      } else {
        const body = `${JSON.stringify(decision.write, null, 2)}\n`;
        await store.put(key, body, { contentType: 'application/json', ...(current.etag ? { ifMatch: current.etag } : { ifNoneMatch: '*' }) });
      }
      return { decision, attempts: attempt };
    } catch (err) {
      // If-Match on an entry deleted meanwhile answers 404: the same race, lost the other way.
      const lost = err instanceof PreconditionFailedError || (err instanceof NotFoundError && current.etag !== undefined);
      if (!lost) throw err;
      if (attempt >= attempts) throw new CatalogWriteError(key, `other writers changed the entry ${attempts} times in a row`, { cause: err });
      await sleep(Math.min(2000, 50 * 2 ** (attempt - 1)) * (0.5 + Math.random()));
    }
  }
}

/** Catalog entries read at once by listCatalog: one GET per entry, so a long catalog is not read one by one. */
const LIST_READS = 16;

/**
 * Every catalog entry of a location, in name order; unreadable entries are reported by key. Entries still in the
 * catalog's old folder (lib/catalog/legacy-catalog.ts) are listed too, unless the new folder has the same name.
 */
export async function listCatalog(store: ObjectStore, layout: BucketLayout): Promise<{ entries: CatalogEntry[]; unreadable: string[] }> {
  const keys: string[] = [];
  for await (const o of store.list(layout.catalogPrefix())) if (o.key.endsWith('.json')) keys.push(o.key);
  const names = new Set(keys.map((k) => k.slice(layout.catalogPrefix().length)));
  for (const key of await legacyEntryKeys(store, layout)) if (!names.has(key.slice(key.lastIndexOf('/') + 1))) keys.push(key);
  const read: (CatalogEntry | string | undefined)[] = new Array(keys.length);
  await runPool(keys, LIST_READS, async (key, i) => {
    try {
      read[i] = parseCatalogEntry((await store.getBytes(key)).bytes);
    } catch (err) {
      if (err instanceof CatalogEntryError) read[i] = key;
      else if (!(err instanceof NotFoundError)) throw err;
    }
  });
  return {
    entries: read.filter((r): r is CatalogEntry => typeof r === 'object').sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    unreadable: read.filter((r): r is string => typeof r === 'string'),
  };
}
