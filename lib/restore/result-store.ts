import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { isRecord } from '../model/object.js';
import { readJsonObject } from '../store/bounded-read.js';
import { BucketDataError } from '../store/errors.js';
import type { BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import { RESTORE_LIMITS } from './limits.js';
import type { RestoreResult } from './result.js';

const gzipAsync = promisify(gzip);
const PHASES = new Set(['InProgress', 'Completed', 'PartiallyFailed', 'Failed']);

/**
 * Stores a restore's result: Ferry's record (its outcomes inline or already in parts, result-items.ts), and Velero's
 * `restore-<name>-results.gz` (a dry run's under dry-run/).
 */
export async function storeResult(store: ObjectStore, layout: BucketLayout, result: RestoreResult): Promise<void> {
  const keyOptions = { dryRun: result.dryRun };
  await store.put(layout.restoreKey(result.restore, 'results', keyOptions), await gzipAsync(JSON.stringify(result.results)), { contentType: 'application/gzip' });
  await store.put(layout.restoreKey(result.restore, 'result', keyOptions), JSON.stringify(result), { contentType: 'application/json' });
}

/**
 * Reads a stored restore result (a dry run's with `dryRun`). Throws NotFoundError when there is none, and
 * BucketDataError naming the key when the object is too large, not JSON or not a result of this restore.
 */
export async function readResult(store: ObjectStore, layout: BucketLayout, name: string, options: { dryRun?: boolean } = {}): Promise<RestoreResult> {
  const key = layout.restoreKey(name, 'result', options);
  const { value } = await readJsonObject(store, key, { maxBytes: RESTORE_LIMITS.maxStateBytes });
  const problem = resultProblem(value, name, options.dryRun === true);
  if (problem) throw new BucketDataError(key, `is not a stored restore result: ${problem}`);
  return value as RestoreResult;
}

function resultProblem(value: unknown, name: string, dryRun: boolean): string | undefined {
  if (!isRecord(value)) return 'not a JSON object';
  if (value.restore !== name) return `it names restore ${JSON.stringify(value.restore)}`;
  if (value.dryRun !== dryRun) return `dryRun is ${JSON.stringify(value.dryRun)}, expected ${dryRun}`;
  if (typeof value.phase !== 'string' || !PHASES.has(value.phase)) return `phase ${JSON.stringify(value.phase)} is not one of ${[...PHASES].join(', ')}`;
  if (typeof value.backup !== 'string') return 'backup is not a string';
  if (!isRecord(value.counts) || !Array.isArray(value.items) || !isRecord(value.results)) return 'counts, items or results is missing';
  if (value.itemParts !== undefined && (!Number.isSafeInteger(value.itemParts) || (value.itemParts as number) < 0 || (value.itemParts as number) > 1000)) {
    return `itemParts ${JSON.stringify(value.itemParts)} is not a number of parts`;
  }
  return undefined;
}
