/**
 * The end of a backup, the same whichever invocation reaches it (the first, or a continuation after volume moves):
 * its phase from the errors recorded, the results file, and ferry-manifest.json written last and only once, which
 * is what makes the backup complete.
 */
import { gzipSync } from 'node:zlib';
import { countMessages, type RunResults } from '../model/results.js';
import type { BucketLayout } from '../store/layout.js';
import { buildManifest, type ManifestEntry } from '../store/manifest.js';
import type { ObjectStore } from '../store/object-store.js';

/** Completed, or PartiallyFailed when any error was recorded (Velero's rule). */
export function finalPhase(results: RunResults): 'Completed' | 'PartiallyFailed' {
  return countMessages(results.errors) > 0 ? 'PartiallyFailed' : 'Completed';
}

/** `<name>-results.gz`: the errors and warnings, as Velero writes them. */
export function resultsFile(results: RunResults): Uint8Array {
  return gzipSync(JSON.stringify({ errors: results.errors, warnings: results.warnings }));
}

/**
 * Writes the manifest of `files` (create-only: a second writer fails rather than replace it) and returns its key.
 * Call it after every other file of the backup is written.
 */
export async function commitManifest(store: ObjectStore, layout: BucketLayout, name: string,
  files: Record<string, ManifestEntry>, now: Date): Promise<string> {
  const key = layout.backupKey(name, 'manifest');
  await store.put(key, JSON.stringify(buildManifest(name, files, now), null, 2), { contentType: 'application/json', ifNoneMatch: '*' });
  return key;
}
