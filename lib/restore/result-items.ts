/**
 * A restore's per-object outcomes: read back in apply order from its outcome log and its plan's spill (which holds
 * each object's key), and stored inline in ferry-result.json up to INLINE_ITEMS objects, past that in gzip parts
 * of ITEMS_PER_PART beside it, written one at a time, so that no list of every object is ever held in memory.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { addMessage, emptyResults, mergeResult, type RunResults } from '../model/results.js';
import { readJsonObject } from '../store/bounded-read.js';
import { BucketDataError } from '../store/errors.js';
import type { BucketLayout } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import type { OutcomeLog } from './apply/outcome-log.js';
import { outcomeOfKey, type ItemOutcome } from './apply/outcome.js';
import type { RestorePlan } from './plan.js';
import type { RestoreResult } from './result.js';

const gzipAsync = promisify(gzip);

/** Most outcomes kept inside ferry-result.json; a larger restore stores all of them in parts. */
export const INLINE_ITEMS = 1000;
/** Outcomes per part. */
export const ITEMS_PER_PART = 10_000;
/** Largest part read back, stored and gunzipped (10,000 lines and at most the outcome log's messages). */
const MAX_PART_BYTES = 64 * 1024 * 1024;

type PlanEntries = Pick<RestorePlan, 'groups' | 'keys' | 'spill'>;

/** The outcome of an entry of the plan, named by the key its spill holds. */
async function outcomeOfEntry(plan: PlanEntries, log: OutcomeLog, entry: number): Promise<ItemOutcome | undefined> {
  const outcome = log.get(entry);
  if (!outcome) return undefined;
  return outcomeOfKey((await plan.spill.read(plan.keys.at(entry))).toString('utf8'), outcome);
}

/** Every recorded outcome, in apply order (priority groups, then the backup's order). */
export async function* planOutcomes(plan: PlanEntries, log: OutcomeLog): AsyncGenerator<ItemOutcome> {
  for (const group of plan.groups) {
    for (const entry of group.items) {
      const outcome = await outcomeOfEntry(plan, log, entry);
      if (outcome) yield outcome;
    }
  }
}

/**
 * Velero-shaped warnings and errors: the transform's and the run's, then one line per object that failed or warned
 * (from the messages the log kept; how many it could not keep is said once).
 */
export async function resultsOf(plan: PlanEntries, log: OutcomeLog, transform: RunResults): Promise<RunResults> {
  const results = emptyResults();
  mergeResult(results.warnings, transform.warnings);
  mergeResult(results.errors, transform.errors);
  for (const entry of log.noted()) {
    const i = (await outcomeOfEntry(plan, log, entry))!;
    const line = `${i.kind} ${i.name}: ${i.message ?? i.status}`;
    if (i.status === 'failed') addMessage(results.errors, i.namespace, line);
    else if (i.warning) addMessage(results.warnings, i.namespace, line);
  }
  if (log.notesOmitted > 0) {
    addMessage(results.warnings, undefined, `${log.notesOmitted} more messages about objects were not kept (past the restore's bound on them); `
      + 'each object\'s status is in the result\'s items');
  }
  return results;
}

/** Where a restore's outcomes go. */
export interface ItemsTarget {
  store: ObjectStore;
  layout: BucketLayout;
  restore: string;
  dryRun: boolean;
}

/** Stores outcomes: returned for ferry-result.json when `total` is at most INLINE_ITEMS, else written in parts of `perPart`. */
export async function storeItems(target: ItemsTarget, outcomes: AsyncIterable<ItemOutcome>, total: number,
  perPart = ITEMS_PER_PART): Promise<Pick<RestoreResult, 'items' | 'itemParts'>> {
  const items: ItemOutcome[] = [];
  if (total <= INLINE_ITEMS) {
    for await (const o of outcomes) items.push(o);
    return { items, itemParts: 0 };
  }
  let parts = 0;
  const flush = async () => {
    const key = target.layout.restoreItemsKey(target.restore, ++parts, { dryRun: target.dryRun });
    await target.store.put(key, await gzipAsync(JSON.stringify(items)), { contentType: 'application/gzip' });
    items.length = 0;
  };
  for await (const o of outcomes) {
    items.push(o);
    if (items.length === perPart) await flush();
  }
  if (items.length > 0) await flush();
  return { items: [], itemParts: parts };
}

/** A stored result's outcomes, inline or from its parts (each read bounded; a broken part is a BucketDataError naming it). */
export async function* readItems(store: ObjectStore, layout: BucketLayout, result: Pick<RestoreResult, 'restore' | 'dryRun' | 'items' | 'itemParts'>): AsyncGenerator<ItemOutcome> {
  yield* result.items;
  for (let part = 1; part <= (result.itemParts ?? 0); part++) {
    const key = layout.restoreItemsKey(result.restore, part, { dryRun: result.dryRun });
    const { value } = await readJsonObject(store, key, { maxBytes: MAX_PART_BYTES, maxGunzippedBytes: MAX_PART_BYTES });
    if (!Array.isArray(value)) throw new BucketDataError(key, 'is not a list of restore outcomes');
    yield* value as ItemOutcome[];
  }
}
