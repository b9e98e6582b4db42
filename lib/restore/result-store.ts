import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import type { RestoreResult } from './result.js';

const gzipAsync = promisify(gzip);

/** Stores a restore's result: Ferry's full record, and Velero's `restore-<name>-results.gz`. */
export async function storeResult(store: ObjectStore, layout: BucketLayout, result: RestoreResult): Promise<void> {
  await store.put(layout.restoreKey(result.restore, 'results'), await gzipAsync(JSON.stringify(result.results)), { contentType: 'application/gzip' });
  await store.put(layout.restoreKey(result.restore, 'result'), JSON.stringify(result, null, 1), { contentType: 'application/json' });
}

/** Reads a stored restore result; throws NotFoundError when the restore has none. */
export async function readResult(store: ObjectStore, layout: BucketLayout, name: string): Promise<RestoreResult> {
  const { bytes } = await store.getBytes(layout.restoreKey(name, 'result'));
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as RestoreResult;
}
